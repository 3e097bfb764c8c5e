package io.mispenrich.logstash.config;

import java.net.URI;
import java.util.List;
import java.util.Map;

import co.elastic.logstash.api.Password;
import co.elastic.logstash.api.PluginConfigSpec;

/** The plugin's own options, under their Logstash names; docs/index.asciidoc documents each one. */
public final class Options {

    private Options() {
    }

    public static final PluginConfigSpec<List<Object>> MEMCACHED_HOSTS =
            PluginConfigSpec.arraySetting("memcached_hosts", List.of("127.0.0.1:11211"), false, false);
    public static final PluginConfigSpec<URI> MISP_URL = PluginConfigSpec.uriSetting("misp_url");
    public static final PluginConfigSpec<Password> MISP_API_KEY = PluginConfigSpec.passwordSetting("misp_api_key");
    public static final PluginConfigSpec<Map<String, Object>> FIELDS = PluginConfigSpec.hashSetting("fields");
    public static final PluginConfigSpec<Boolean> FETCH_CONTEXT = PluginConfigSpec.booleanSetting("fetch_context", true);
    public static final PluginConfigSpec<String> ECS_COMPATIBILITY = PluginConfigSpec.stringSetting("ecs_compatibility", "v8");
    public static final PluginConfigSpec<Long> MEMCACHED_TIMEOUT_MS = PluginConfigSpec.numSetting("memcached_timeout_ms", 500);
    public static final PluginConfigSpec<Long> MISP_TIMEOUT_MS = PluginConfigSpec.numSetting("misp_timeout_ms", 5_000);
    public static final PluginConfigSpec<Long> CONTEXT_CACHE_SIZE = PluginConfigSpec.numSetting("context_cache_size", 10_000);
    public static final PluginConfigSpec<Long> CONTEXT_CACHE_TTL_S = PluginConfigSpec.numSetting("context_cache_ttl_s", 300);
    public static final PluginConfigSpec<Long> VALUE_CACHE_SIZE = PluginConfigSpec.numSetting("value_cache_size", 100_000);
    public static final PluginConfigSpec<Long> MAX_VALUE_LENGTH = PluginConfigSpec.numSetting("max_value_length", 8_192);
    public static final PluginConfigSpec<Long> MAX_VALUES_PER_FIELD = PluginConfigSpec.numSetting("max_values_per_field", 100);
    public static final PluginConfigSpec<Long> MEMCACHED_MAX_VALUE_BYTES = PluginConfigSpec.numSetting("memcached_max_value_bytes", 1_048_576);
    public static final PluginConfigSpec<Long> MISP_MAX_RESPONSE_BYTES = PluginConfigSpec.numSetting("misp_max_response_bytes", 16_777_216);
    public static final PluginConfigSpec<String> SSL_VERIFICATION_MODE = PluginConfigSpec.stringSetting("ssl_verification_mode", "full");
    public static final PluginConfigSpec<List<Object>> SSL_CERTIFICATE_AUTHORITIES =
            PluginConfigSpec.arraySetting("ssl_certificate_authorities", List.of(), false, false);

    public static final List<PluginConfigSpec<?>> ALL = List.of(
            MEMCACHED_HOSTS, MISP_URL, MISP_API_KEY, FIELDS, FETCH_CONTEXT, ECS_COMPATIBILITY,
            MEMCACHED_TIMEOUT_MS, MISP_TIMEOUT_MS, CONTEXT_CACHE_SIZE, CONTEXT_CACHE_TTL_S, VALUE_CACHE_SIZE,
            MAX_VALUE_LENGTH, MAX_VALUES_PER_FIELD, MEMCACHED_MAX_VALUE_BYTES, MISP_MAX_RESPONSE_BYTES,
            SSL_VERIFICATION_MODE, SSL_CERTIFICATE_AUTHORITIES);
}
