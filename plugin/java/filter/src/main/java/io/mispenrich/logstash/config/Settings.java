package io.mispenrich.logstash.config;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import co.elastic.logstash.api.Configuration;
import co.elastic.logstash.api.Password;
import co.elastic.logstash.api.PluginConfigSpec;
import io.mispenrich.logstash.kv.HostPort;

/**
 * The validated options. Everything that can be checked without reaching a server is checked
 * here, at start-up, and a failure names the option; an unreachable memcached or MISP is not a
 * start-up error (servers come and go). The core validates `fields` and `ecs_compatibility` again
 * when the enricher is created, with its own MISP_ENRICH_CONFIG message.
 */
public record Settings(
        Memcached memcached,
        Misp misp,
        String mispSourcesText,
        Tls tls,
        Map<String, String> fields,
        String ecsCompatibility,
        String target,
        boolean retroKeys,
        Tags tags,
        Sightings sightings,
        long valueCacheSize,
        long maxValueLength,
        long maxValuesPerField) {

    /** memcached_*: the servers, and how long and how much one batch's multi-get may take. */
    public record Memcached(List<HostPort> hosts, long timeoutMs, long maxValueBytes) {
    }

    /** A sources file is a short list of instances: anything larger is not one. */
    static final long MAX_SOURCES_FILE_BYTES = 1024 * 1024;

    /** misp_*, proxy, fetch_context, context_cache_*. The API key stays a Password until used. */
    public record Misp(URI url, Password apiKey, long timeoutMs, long maxResponseBytes, URI proxy,
                       boolean fetchContext, long contextCacheSize, long contextCacheTtlMs, long contextFailureTtlMs) {
    }

    /** ssl_*, as Logstash's HTTP-client plugins have them. */
    public record Tls(String verificationMode, List<Path> certificateAuthorities, Path certificate, Path key,
                      List<String> supportedProtocols, List<String> cipherSuites) {
    }

    /**
     * sightings_*: whether hits are reported to MISP as sightings, under which source, how often,
     * and how much is kept between two reports.
     */
    public record Sightings(boolean enabled, String source, long intervalMs, long maxAttributes, long maxPerAttribute) {
    }

    /** tag_on_*_failure: the tags of each failure kind (empty: no tag). */
    public record Tags(List<String> onFailure, List<String> onFetchFailure, List<String> onApplyFailure, List<String> onCoreFailure) {
    }

    public static Settings from(Configuration config) {
        String sources = mispSources(config);
        Misp misp = misp(config, sources != null);
        return new Settings(memcached(config), misp, sources, tls(config), fields(config), ecsCompatibility(config),
                target(config), Boolean.TRUE.equals(bool(config, Options.RETRO_KEYS)), tags(config), sightings(config, misp),
                number(Options.VALUE_CACHE_SIZE, Options.VALUE_CACHE_SIZE_RANGE, config),
                number(Options.MAX_VALUE_LENGTH, Options.MAX_VALUE_LENGTH_RANGE, config),
                number(Options.MAX_VALUES_PER_FIELD, Options.MAX_VALUES_PER_FIELD_RANGE, config));
    }

    private static Memcached memcached(Configuration config) {
        List<HostPort> hosts = new ArrayList<>();
        List<Object> raw = get(config, Options.MEMCACHED_HOSTS);
        if (raw == null || raw.isEmpty()) {
            throw new ConfigException(Options.MEMCACHED_HOSTS.name(), "must list at least one \"host:port\"");
        }
        for (Object o : raw) {
            if (!(o instanceof String s)) {
                throw new ConfigException(Options.MEMCACHED_HOSTS.name(), "must be an array of strings");
            }
            try {
                hosts.add(HostPort.parse(s));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(Options.MEMCACHED_HOSTS.name(), e.getMessage());
            }
        }
        return new Memcached(List.copyOf(hosts), seconds(Options.MEMCACHED_TIMEOUT, Options.MEMCACHED_TIMEOUT_RANGE, config),
                number(Options.MEMCACHED_MAX_VALUE_BYTES, Options.MEMCACHED_MAX_VALUE_BYTES_RANGE, config));
    }

    /**
     * A MISP base URL as misp_url and each misp_sources instance must be; `option` names the option
     * it came from, `subject` (empty, or ending in a space) what in it.
     */
    public static void checkMispUrl(String option, String subject, URI url) {
        String scheme = url.getScheme();
        if (scheme == null || !(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))
                || url.getHost() == null || url.getRawQuery() != null || url.getRawFragment() != null
                || url.getRawUserInfo() != null) {
            throw new ConfigException(option,
                    subject + "must be an http(s) URL with a host and no user info, query or fragment, e.g. \"https://misp.example.org\"");
        }
    }

    /** An API key as MISP takes it: printable ASCII, no spaces. */
    public static boolean isApiKey(String key) {
        return key != null && !key.isBlank() && key.chars().allMatch(c -> c >= 0x21 && c <= 0x7e);
    }

    /** A proxy as proxy and each misp_sources instance's may be: http://, a host, no credentials. */
    public static void checkProxy(String option, String subject, URI proxy) {
        if (proxy.getScheme() == null || !proxy.getScheme().equalsIgnoreCase("http") || proxy.getHost() == null
                || proxy.getRawUserInfo() != null) {
            throw new ConfigException(option, subject + "must be an http:// proxy URL with a host and no credentials, e.g. \"http://proxy.example:3128\"");
        }
    }

    /** The text of the misp_sources file (the core checks what it says), or null when unset. */
    private static String mispSources(Configuration config) {
        String file = get(config, Options.MISP_SOURCES);
        if (file == null) {
            return null;
        }
        Path p = readable(Options.MISP_SOURCES.name(), file);
        try {
            if (Files.size(p) > MAX_SOURCES_FILE_BYTES) {
                throw new ConfigException(Options.MISP_SOURCES.name(), "names a file larger than " + MAX_SOURCES_FILE_BYTES + " bytes: " + file);
            }
            return Files.readString(p);
        } catch (java.io.IOException e) {
            throw new ConfigException(Options.MISP_SOURCES.name(), "names a file that cannot be read: " + file);
        }
    }

    private static Misp misp(Configuration config, boolean hasSources) {
        URI url = get(config, Options.MISP_URL);
        if (url != null) {
            checkMispUrl(Options.MISP_URL.name(), "", url);
        }
        Password key = get(config, Options.MISP_API_KEY);
        if (key != null && !isApiKey(key.getPassword())) {
            throw new ConfigException(Options.MISP_API_KEY.name(), "must be a non-empty printable ASCII string");
        }
        URI proxy = get(config, Options.PROXY);
        if (proxy != null) {
            checkProxy(Options.PROXY.name(), "", proxy);
        }
        Boolean fetch = bool(config, Options.FETCH_CONTEXT);
        boolean fetchContext = fetch == null || fetch;
        // With misp_sources alone, context comes from those instances only.
        if (fetchContext && url == null && !hasSources) {
            throw new ConfigException(Options.MISP_URL.name(), "is required while fetch_context is true (unless misp_sources names the instances to ask)");
        }
        if (fetchContext && url != null && key == null) {
            throw new ConfigException(Options.MISP_API_KEY.name(), "is required while fetch_context is true");
        }
        return new Misp(url, key, seconds(Options.MISP_TIMEOUT, Options.MISP_TIMEOUT_RANGE, config),
                number(Options.MISP_MAX_RESPONSE_BYTES, Options.MISP_MAX_RESPONSE_BYTES_RANGE, config),
                proxy, fetchContext,
                number(Options.CONTEXT_CACHE_SIZE, Options.CONTEXT_CACHE_SIZE_RANGE, config),
                seconds(Options.CONTEXT_CACHE_TTL, Options.CONTEXT_CACHE_TTL_RANGE, config),
                seconds(Options.CONTEXT_FAILURE_TTL, Options.CONTEXT_FAILURE_TTL_RANGE, config));
    }

    private static Tls tls(Configuration config) {
        String mode = choice(Options.SSL_VERIFICATION_MODE, Options.SSL_VERIFICATION_MODE_CHOICES, get(config, Options.SSL_VERIFICATION_MODE), "");
        List<Path> cas = new ArrayList<>();
        for (String s : strings(config, Options.SSL_CERTIFICATE_AUTHORITIES)) {
            cas.add(readable(Options.SSL_CERTIFICATE_AUTHORITIES.name(), s));
        }
        if (!cas.isEmpty() && "none".equals(mode)) {
            throw new ConfigException(Options.SSL_CERTIFICATE_AUTHORITIES.name(), "cannot be used with ssl_verification_mode => none");
        }
        String cert = get(config, Options.SSL_CERTIFICATE);
        String key = get(config, Options.SSL_KEY);
        if ((cert == null) != (key == null)) {
            throw new ConfigException(cert == null ? Options.SSL_CERTIFICATE.name() : Options.SSL_KEY.name(),
                    "is required with " + (cert == null ? Options.SSL_KEY.name() : Options.SSL_CERTIFICATE.name()));
        }
        List<String> protocols = strings(config, Options.SSL_SUPPORTED_PROTOCOLS);
        for (String p : protocols) {
            if (!Options.SSL_SUPPORTED_PROTOCOLS_CHOICES.contains(p)) {
                throw new ConfigException(Options.SSL_SUPPORTED_PROTOCOLS.name(),
                        "may hold " + quotedChoices(Options.SSL_SUPPORTED_PROTOCOLS_CHOICES, " and ") + ", not \"" + p + "\"");
            }
        }
        return new Tls(mode, List.copyOf(cas), cert == null ? null : readable(Options.SSL_CERTIFICATE.name(), cert),
                key == null ? null : readable(Options.SSL_KEY.name(), key), protocols, strings(config, Options.SSL_CIPHER_SUITES));
    }

    private static Map<String, String> fields(Configuration config) {
        Map<String, Object> raw = get(config, Options.FIELDS);
        if (raw == null) {
            return null;
        }
        if (raw.isEmpty()) {
            throw new ConfigException(Options.FIELDS.name(), "must map at least one field reference to a datatype");
        }
        Map<String, String> fields = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : raw.entrySet()) {
            if (!(e.getValue() instanceof String datatype)) {
                throw new ConfigException(Options.FIELDS.name(), "maps \"" + e.getKey() + "\" to a non-string; expected a datatype name");
            }
            fields.put(String.valueOf(e.getKey()), datatype);
        }
        return fields;
    }

    private static String ecsCompatibility(Configuration config) {
        String ecs = get(config, Options.ECS_COMPATIBILITY);
        String value = ecs == null ? EcsCompatibility.pipelineDefault() : ecs;
        return choice(Options.ECS_COMPATIBILITY, Options.ECS_COMPATIBILITY_CHOICES, value, ecs == null ? " (from pipeline.ecs_compatibility)" : "");
    }

    private static String target(Configuration config) {
        String t = get(config, Options.TARGET);
        if (t != null && t.isBlank()) {
            throw new ConfigException(Options.TARGET.name(), "must be a field reference, e.g. \"[threat][enrichments]\"");
        }
        return t;
    }

    private static Sightings sightings(Configuration config, Misp misp) {
        Boolean on = bool(config, Options.SIGHTINGS);
        boolean enabled = on != null && on;
        if (enabled && misp.url() == null) {
            throw new ConfigException(Options.MISP_URL.name(), "is required while sightings is true");
        }
        if (enabled && misp.apiKey() == null) {
            throw new ConfigException(Options.MISP_API_KEY.name(), "is required while sightings is true");
        }
        String source = get(config, Options.SIGHTINGS_SOURCE);
        if (source == null || source.isBlank() || source.length() > 255) {
            throw new ConfigException(Options.SIGHTINGS_SOURCE.name(), "must be a non-empty text of at most 255 characters");
        }
        return new Sightings(enabled, source.trim(), seconds(Options.SIGHTINGS_INTERVAL, Options.SIGHTINGS_INTERVAL_RANGE, config),
                number(Options.SIGHTINGS_MAX_ATTRIBUTES, Options.SIGHTINGS_MAX_ATTRIBUTES_RANGE, config),
                number(Options.SIGHTINGS_MAX_PER_ATTRIBUTE, Options.SIGHTINGS_MAX_PER_ATTRIBUTE_RANGE, config));
    }

    private static Tags tags(Configuration config) {
        // strings() already refuses a blank tag.
        return new Tags(strings(config, Options.TAG_ON_FAILURE), strings(config, Options.TAG_ON_FETCH_FAILURE),
                strings(config, Options.TAG_ON_APPLY_FAILURE), strings(config, Options.TAG_ON_CORE_FAILURE));
    }

    private static List<String> strings(Configuration config, PluginConfigSpec<List<Object>> spec) {
        List<Object> raw = get(config, spec);
        List<String> out = new ArrayList<>();
        if (raw != null) {
            for (Object o : raw) {
                if (!(o instanceof String s) || s.isBlank()) {
                    throw new ConfigException(spec.name(), "must be an array of non-empty strings");
                }
                out.add(s);
            }
        }
        return List.copyOf(out);
    }

    private static Path readable(String option, String file) {
        Path p = Path.of(file);
        if (!Files.isReadable(p)) {
            throw new ConfigException(option, "names a file that cannot be read: " + file);
        }
        return p;
    }

    /** Logstash's Configuration throws on a value of the wrong type; name the option in that case. */
    private static <T> T get(Configuration config, PluginConfigSpec<T> spec) {
        try {
            return config.get(spec);
        } catch (ConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ConfigException(spec.name(), "has a value of the wrong type (" + e.getClass().getSimpleName() + ")");
        }
    }

    /**
     * A boolean option, checked on its raw value: Logstash's Configuration reads any text as a
     * boolean (Boolean.parseBoolean, so "maybe" is false) and never refuses one, where a Ruby
     * plugin's `validate :boolean` would.
     */
    private static Boolean bool(Configuration config, PluginConfigSpec<Boolean> spec) {
        Object raw = config.getRawValue(spec);
        if (raw == null || raw instanceof Boolean) {
            return get(config, spec);
        }
        String text = String.valueOf(raw);
        if (!text.equalsIgnoreCase("true") && !text.equalsIgnoreCase("false")) {
            throw new ConfigException(spec.name(), "must be true or false, got \"" + text + "\"");
        }
        return Boolean.valueOf(text.toLowerCase(java.util.Locale.ROOT));
    }

    /** A whole number in the contract's range, or the option is refused. */
    private static long number(PluginConfigSpec<Long> spec, Options.Range range, Configuration config) {
        Long value = get(config, spec);
        if (value == null || value < range.min() || value > range.max()) {
            throw new ConfigException(spec.name(), "must be a number from " + (long) range.min() + " to " + (long) range.max() + ", got " + value);
        }
        return value;
    }

    /** A number of seconds (fractions allowed) in the contract's range, as milliseconds. */
    private static long seconds(PluginConfigSpec<Double> spec, Options.Range range, Configuration config) {
        Double value = get(config, spec);
        if (value == null || value.isNaN() || value < range.min() || value > range.max()) {
            throw new ConfigException(spec.name(), "must be a number of seconds from " + range.min() + " to " + range.max() + ", got " + value);
        }
        return Math.round(value * 1000);
    }

    /** One of the contract's choices, or the option is refused: "must be "a", "b" or "c", got "x"". */
    private static String choice(PluginConfigSpec<String> spec, List<String> choices, String value, String whence) {
        if (value == null || !choices.contains(value)) {
            throw new ConfigException(spec.name(), "must be " + quotedChoices(choices, " or ") + ", got \"" + value + "\"" + whence);
        }
        return value;
    }

    private static String quotedChoices(List<String> choices, String last) {
        StringBuilder out = new StringBuilder();
        for (int i = 0; i < choices.size(); i++) {
            out.append(i == 0 ? "" : i == choices.size() - 1 ? last : ", ").append('"').append(choices.get(i)).append('"');
        }
        return out.toString();
    }

    /** What the core's createEnricher receives. */
    public Map<String, Object> coreOptions() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put(Options.FIELDS.name(), fields);
        o.put(Options.ECS_COMPATIBILITY.name(), ecsCompatibility);
        o.put(Options.FETCH_CONTEXT.name(), misp.fetchContext());
        o.put(Options.MISP_URL.name(), misp.url() == null ? null : misp.url().toString());
        o.put(Options.TARGET.name(), target);
        o.put(Options.RETRO_KEYS.name(), retroKeys);
        o.put(Options.TAG_ON_FAILURE.name(), tags.onFailure());
        o.put(Options.TAG_ON_FETCH_FAILURE.name(), tags.onFetchFailure());
        o.put(Options.MISP_SOURCES.name(), mispSourcesText);
        return o;
    }

    /** Never prints the API key. */
    @Override
    public String toString() {
        return "Settings[memcached_hosts=" + memcached.hosts() + ", misp_url=" + misp.url() + ", misp_api_key="
                + (misp.apiKey() == null ? "unset" : "<password>") + ", misp_sources=" + (mispSourcesText == null ? "unset" : "set") + ", fields=" + fields + ", fetch_context=" + misp.fetchContext()
                + ", ecs_compatibility=" + ecsCompatibility + ", sightings=" + sightings.enabled() + "]";
    }
}
