// Generated from plugin/core/contract/filter-options.ts by scripts/gen-contract.ts (npm run contract): do not edit.
package io.mispenrich.logstash.config;

import java.net.URI;
import java.util.List;
import java.util.Map;

import co.elastic.logstash.api.Password;
import co.elastic.logstash.api.PluginConfigSpec;

/**
 * The plugin's own options, under their Logstash names, as the contract declares them (name,
 * type, default, range or choices); docs/index.asciidoc documents each one, and Settings checks
 * their values against what is declared here.
 * Names and units follow Logstash's own plugins: timeouts and ages in seconds (fractions allowed),
 * sizes in bytes or counts, ssl_* as the official HTTP-client plugins have them, tag_on_*_failure
 * per failure kind as the http filter does.
 */
public final class Options {

    private Options() {
    }

    /** The values a number option may take, inclusive; Settings refuses the others. */
    public record Range(double min, double max) {
    }

    public static final PluginConfigSpec<List<Object>> MEMCACHED_HOSTS =
            PluginConfigSpec.arraySetting("memcached_hosts", List.of("127.0.0.1:11211"), false, false);
    public static final PluginConfigSpec<Double> MEMCACHED_TIMEOUT = PluginConfigSpec.floatSetting("memcached_timeout", 0.5);
    public static final Range MEMCACHED_TIMEOUT_RANGE = new Range(0.001, 60.0);
    public static final PluginConfigSpec<Long> MEMCACHED_MAX_VALUE_BYTES =
            PluginConfigSpec.numSetting("memcached_max_value_bytes", 1_048_576);
    public static final Range MEMCACHED_MAX_VALUE_BYTES_RANGE = new Range(1_024.0, 134_217_728.0);
    public static final PluginConfigSpec<URI> MISP_URL = PluginConfigSpec.uriSetting("misp_url");
    public static final PluginConfigSpec<Password> MISP_API_KEY = PluginConfigSpec.passwordSetting("misp_api_key");
    public static final PluginConfigSpec<Double> MISP_TIMEOUT = PluginConfigSpec.floatSetting("misp_timeout", 5.0);
    public static final Range MISP_TIMEOUT_RANGE = new Range(0.001, 600.0);
    public static final PluginConfigSpec<Long> MISP_MAX_RESPONSE_BYTES = PluginConfigSpec.numSetting("misp_max_response_bytes", 16_777_216);
    public static final Range MISP_MAX_RESPONSE_BYTES_RANGE = new Range(1_024.0, 1_073_741_824.0);
    public static final PluginConfigSpec<URI> PROXY = PluginConfigSpec.uriSetting("proxy");
    public static final PluginConfigSpec<Boolean> FETCH_CONTEXT = PluginConfigSpec.booleanSetting("fetch_context", true);
    public static final PluginConfigSpec<Long> CONTEXT_CACHE_SIZE = PluginConfigSpec.numSetting("context_cache_size", 10_000);
    public static final Range CONTEXT_CACHE_SIZE_RANGE = new Range(0.0, 10_000_000.0);
    public static final PluginConfigSpec<Double> CONTEXT_CACHE_TTL = PluginConfigSpec.floatSetting("context_cache_ttl", 300.0);
    public static final Range CONTEXT_CACHE_TTL_RANGE = new Range(0.0, 604_800.0);
    /**
     * How long a failed context fetch is remembered: a MISP down costs one timeout per this, not
     * one per batch.
     */
    public static final PluginConfigSpec<Double> CONTEXT_FAILURE_TTL = PluginConfigSpec.floatSetting("context_failure_ttl", 15.0);
    public static final Range CONTEXT_FAILURE_TTL_RANGE = new Range(0.0, 3_600.0);
    /**
     * The agent's --sources file: further MISP instances whose events' context is fetched from
     * them (the shell reads the file, the core what it says).
     */
    public static final PluginConfigSpec<String> MISP_SOURCES = PluginConfigSpec.stringSetting("misp_sources");
    public static final PluginConfigSpec<String> SSL_VERIFICATION_MODE = PluginConfigSpec.stringSetting("ssl_verification_mode", "full");
    public static final List<String> SSL_VERIFICATION_MODE_CHOICES = List.of("full", "none");
    public static final PluginConfigSpec<List<Object>> SSL_CERTIFICATE_AUTHORITIES =
            PluginConfigSpec.arraySetting("ssl_certificate_authorities", List.of(), false, false);
    public static final PluginConfigSpec<String> SSL_CERTIFICATE = PluginConfigSpec.stringSetting("ssl_certificate");
    public static final PluginConfigSpec<String> SSL_KEY = PluginConfigSpec.stringSetting("ssl_key");
    public static final PluginConfigSpec<List<Object>> SSL_SUPPORTED_PROTOCOLS =
            PluginConfigSpec.arraySetting("ssl_supported_protocols", List.of(), false, false);
    public static final List<String> SSL_SUPPORTED_PROTOCOLS_CHOICES = List.of("TLSv1.2", "TLSv1.3");
    public static final PluginConfigSpec<List<Object>> SSL_CIPHER_SUITES =
            PluginConfigSpec.arraySetting("ssl_cipher_suites", List.of(), false, false);
    public static final PluginConfigSpec<Map<String, Object>> FIELDS = PluginConfigSpec.hashSetting("fields");
    /**
     * No default here: unset means the pipeline's pipeline.ecs_compatibility (see
     * EcsCompatibility).
     */
    public static final PluginConfigSpec<String> ECS_COMPATIBILITY = PluginConfigSpec.stringSetting("ecs_compatibility");
    public static final List<String> ECS_COMPATIBILITY_CHOICES = List.of("disabled", "v1", "v8");
    public static final PluginConfigSpec<String> TARGET = PluginConfigSpec.stringSetting("target");
    /** Writes each event's retro-hunt keys to [misp_enrich][keys] (the core decides which keys). */
    public static final PluginConfigSpec<Boolean> RETRO_KEYS = PluginConfigSpec.booleanSetting("retro_keys", false);
    public static final PluginConfigSpec<List<Object>> TAG_ON_FAILURE =
            PluginConfigSpec.arraySetting("tag_on_failure", List.of("_misp_enrich_lookup_failure"), false, false);
    public static final PluginConfigSpec<List<Object>> TAG_ON_FETCH_FAILURE =
            PluginConfigSpec.arraySetting("tag_on_fetch_failure", List.of("_misp_enrich_fetch_failure"), false, false);
    public static final PluginConfigSpec<List<Object>> TAG_ON_APPLY_FAILURE =
            PluginConfigSpec.arraySetting("tag_on_apply_failure", List.of("_misp_enrich_apply_failure"), false, false);
    public static final PluginConfigSpec<List<Object>> TAG_ON_CORE_FAILURE =
            PluginConfigSpec.arraySetting("tag_on_core_failure", List.of("_misp_enrich_core_failure"), false, false);
    public static final PluginConfigSpec<Boolean> SIGHTINGS = PluginConfigSpec.booleanSetting("sightings", false);
    public static final PluginConfigSpec<String> SIGHTINGS_SOURCE = PluginConfigSpec.stringSetting("sightings_source", "misp-enrich");
    public static final PluginConfigSpec<Double> SIGHTINGS_INTERVAL = PluginConfigSpec.floatSetting("sightings_interval", 60.0);
    public static final Range SIGHTINGS_INTERVAL_RANGE = new Range(1.0, 3_600.0);
    public static final PluginConfigSpec<Long> SIGHTINGS_MAX_ATTRIBUTES = PluginConfigSpec.numSetting("sightings_max_attributes", 10_000);
    public static final Range SIGHTINGS_MAX_ATTRIBUTES_RANGE = new Range(1.0, 1_000_000.0);
    public static final PluginConfigSpec<Long> SIGHTINGS_MAX_PER_ATTRIBUTE = PluginConfigSpec.numSetting("sightings_max_per_attribute", 1);
    public static final Range SIGHTINGS_MAX_PER_ATTRIBUTE_RANGE = new Range(1.0, 1_000.0);
    public static final PluginConfigSpec<Long> VALUE_CACHE_SIZE = PluginConfigSpec.numSetting("value_cache_size", 100_000);
    public static final Range VALUE_CACHE_SIZE_RANGE = new Range(0.0, 100_000_000.0);
    public static final PluginConfigSpec<Long> MAX_VALUE_LENGTH = PluginConfigSpec.numSetting("max_value_length", 8_192);
    public static final Range MAX_VALUE_LENGTH_RANGE = new Range(1.0, 1_048_576.0);
    public static final PluginConfigSpec<Long> MAX_VALUES_PER_FIELD = PluginConfigSpec.numSetting("max_values_per_field", 100);
    public static final Range MAX_VALUES_PER_FIELD_RANGE = new Range(1.0, 100_000.0);

    public static final List<PluginConfigSpec<?>> ALL = List.of(
            MEMCACHED_HOSTS, MEMCACHED_TIMEOUT, MEMCACHED_MAX_VALUE_BYTES, MISP_URL, MISP_API_KEY, MISP_TIMEOUT,
            MISP_MAX_RESPONSE_BYTES, PROXY, FETCH_CONTEXT, CONTEXT_CACHE_SIZE, CONTEXT_CACHE_TTL, CONTEXT_FAILURE_TTL,
            MISP_SOURCES, SSL_VERIFICATION_MODE, SSL_CERTIFICATE_AUTHORITIES, SSL_CERTIFICATE, SSL_KEY, SSL_SUPPORTED_PROTOCOLS,
            SSL_CIPHER_SUITES, FIELDS, ECS_COMPATIBILITY, TARGET, RETRO_KEYS, TAG_ON_FAILURE,
            TAG_ON_FETCH_FAILURE, TAG_ON_APPLY_FAILURE, TAG_ON_CORE_FAILURE, SIGHTINGS, SIGHTINGS_SOURCE, SIGHTINGS_INTERVAL,
            SIGHTINGS_MAX_ATTRIBUTES, SIGHTINGS_MAX_PER_ATTRIBUTE, VALUE_CACHE_SIZE, MAX_VALUE_LENGTH, MAX_VALUES_PER_FIELD);
}
