package io.mispenrich.logstash.config;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

import co.elastic.logstash.api.Configuration;
import co.elastic.logstash.api.Password;
import io.mispenrich.logstash.kv.HostPort;

/**
 * The validated options. Everything that can be checked without reaching a server is checked
 * here, at start-up, and a failure names the option; an unreachable memcached or MISP is not a
 * start-up error (servers come and go). The core validates `fields` and `ecs_compatibility` again
 * when the enricher is created, with its own MISP_ENRICH_CONFIG message.
 */
public record Settings(
        List<HostPort> memcachedHosts,
        URI mispUrl,
        Password mispApiKey,
        Map<String, String> fields,
        boolean fetchContext,
        String ecsCompatibility,
        long memcachedTimeoutMs,
        long mispTimeoutMs,
        long contextCacheSize,
        long contextCacheTtlS,
        long valueCacheSize,
        long maxValueLength,
        long maxValuesPerField,
        long memcachedMaxValueBytes,
        long mispMaxResponseBytes,
        String sslVerificationMode,
        List<Path> sslCertificateAuthorities) {

    public static Settings from(Configuration config) {
        List<HostPort> hosts = new ArrayList<>();
        List<Object> rawHosts = get(Options.MEMCACHED_HOSTS.name(), () -> config.get(Options.MEMCACHED_HOSTS));
        if (rawHosts == null || rawHosts.isEmpty()) {
            throw new ConfigException(Options.MEMCACHED_HOSTS.name(), "must list at least one \"host:port\"");
        }
        for (Object o : rawHosts) {
            if (!(o instanceof String s)) {
                throw new ConfigException(Options.MEMCACHED_HOSTS.name(), "must be an array of strings");
            }
            try {
                hosts.add(HostPort.parse(s));
            } catch (IllegalArgumentException e) {
                throw new ConfigException(Options.MEMCACHED_HOSTS.name(), e.getMessage());
            }
        }

        URI url = get(Options.MISP_URL.name(), () -> config.get(Options.MISP_URL));
        if (url != null) {
            String scheme = url.getScheme();
            if (scheme == null || !(scheme.equalsIgnoreCase("https") || scheme.equalsIgnoreCase("http"))
                    || url.getHost() == null || url.getRawQuery() != null || url.getRawFragment() != null
                    || url.getRawUserInfo() != null) {
                throw new ConfigException(Options.MISP_URL.name(),
                        "must be an http(s) URL with a host and no user info, query or fragment, e.g. \"https://misp.example.org\"");
            }
        }

        Password key = get(Options.MISP_API_KEY.name(), () -> config.get(Options.MISP_API_KEY));
        if (key != null && (key.getPassword() == null || key.getPassword().isBlank()
                || key.getPassword().chars().anyMatch(c -> c < 0x21 || c > 0x7e))) {
            throw new ConfigException(Options.MISP_API_KEY.name(), "must be a non-empty printable ASCII string");
        }

        Map<String, String> fields = null;
        Map<String, Object> rawFields = get(Options.FIELDS.name(), () -> config.get(Options.FIELDS));
        if (rawFields != null) {
            if (rawFields.isEmpty()) {
                throw new ConfigException(Options.FIELDS.name(), "must map at least one field reference to a datatype");
            }
            fields = new LinkedHashMap<>();
            for (Map.Entry<String, Object> e : rawFields.entrySet()) {
                if (!(e.getValue() instanceof String datatype)) {
                    throw new ConfigException(Options.FIELDS.name(), "maps \"" + e.getKey() + "\" to a non-string; expected a datatype name");
                }
                fields.put(String.valueOf(e.getKey()), datatype);
            }
        }

        Boolean fetch = get(Options.FETCH_CONTEXT.name(), () -> config.get(Options.FETCH_CONTEXT));
        boolean fetchContext = fetch == null || fetch;
        if (fetchContext && url == null) {
            throw new ConfigException(Options.MISP_URL.name(), "is required while fetch_context is true");
        }
        if (fetchContext && key == null) {
            throw new ConfigException(Options.MISP_API_KEY.name(), "is required while fetch_context is true");
        }

        String ecs = get(Options.ECS_COMPATIBILITY.name(), () -> config.get(Options.ECS_COMPATIBILITY));
        if (!"v8".equals(ecs) && !"disabled".equals(ecs)) {
            throw new ConfigException(Options.ECS_COMPATIBILITY.name(), "must be \"v8\" or \"disabled\", got \"" + ecs + "\"");
        }

        long memcachedTimeout = range(Options.MEMCACHED_TIMEOUT_MS.name(), get(Options.MEMCACHED_TIMEOUT_MS.name(),
                () -> config.get(Options.MEMCACHED_TIMEOUT_MS)), 1, 60_000);
        long mispTimeout = range(Options.MISP_TIMEOUT_MS.name(), get(Options.MISP_TIMEOUT_MS.name(),
                () -> config.get(Options.MISP_TIMEOUT_MS)), 1, 600_000);
        long cacheSize = range(Options.CONTEXT_CACHE_SIZE.name(), get(Options.CONTEXT_CACHE_SIZE.name(),
                () -> config.get(Options.CONTEXT_CACHE_SIZE)), 0, 10_000_000);
        long cacheTtl = range(Options.CONTEXT_CACHE_TTL_S.name(), get(Options.CONTEXT_CACHE_TTL_S.name(),
                () -> config.get(Options.CONTEXT_CACHE_TTL_S)), 0, 7 * 24 * 3600);

        long valueCacheSize = range(Options.VALUE_CACHE_SIZE.name(), get(Options.VALUE_CACHE_SIZE.name(),
                () -> config.get(Options.VALUE_CACHE_SIZE)), 0, 100_000_000);
        long maxValueLength = range(Options.MAX_VALUE_LENGTH.name(), get(Options.MAX_VALUE_LENGTH.name(),
                () -> config.get(Options.MAX_VALUE_LENGTH)), 1, 1_048_576);
        long maxValuesPerField = range(Options.MAX_VALUES_PER_FIELD.name(), get(Options.MAX_VALUES_PER_FIELD.name(),
                () -> config.get(Options.MAX_VALUES_PER_FIELD)), 1, 100_000);
        long memcachedMaxValueBytes = range(Options.MEMCACHED_MAX_VALUE_BYTES.name(), get(Options.MEMCACHED_MAX_VALUE_BYTES.name(),
                () -> config.get(Options.MEMCACHED_MAX_VALUE_BYTES)), 1_024, 134_217_728);
        long mispMaxResponseBytes = range(Options.MISP_MAX_RESPONSE_BYTES.name(), get(Options.MISP_MAX_RESPONSE_BYTES.name(),
                () -> config.get(Options.MISP_MAX_RESPONSE_BYTES)), 1_024, 1_073_741_824);

        String verification = get(Options.SSL_VERIFICATION_MODE.name(), () -> config.get(Options.SSL_VERIFICATION_MODE));
        if (!"full".equals(verification) && !"none".equals(verification)) {
            throw new ConfigException(Options.SSL_VERIFICATION_MODE.name(), "must be \"full\" or \"none\", got \"" + verification + "\"");
        }

        List<Path> cas = new ArrayList<>();
        List<Object> rawCas = get(Options.SSL_CERTIFICATE_AUTHORITIES.name(), () -> config.get(Options.SSL_CERTIFICATE_AUTHORITIES));
        if (rawCas != null) {
            for (Object o : rawCas) {
                if (!(o instanceof String s) || s.isBlank()) {
                    throw new ConfigException(Options.SSL_CERTIFICATE_AUTHORITIES.name(), "must be an array of PEM file paths");
                }
                Path p = Path.of(s);
                if (!Files.isReadable(p)) {
                    throw new ConfigException(Options.SSL_CERTIFICATE_AUTHORITIES.name(), "names a file that cannot be read: " + s);
                }
                cas.add(p);
            }
        }
        if (!cas.isEmpty() && "none".equals(verification)) {
            throw new ConfigException(Options.SSL_CERTIFICATE_AUTHORITIES.name(), "cannot be used with ssl_verification_mode => none");
        }

        return new Settings(List.copyOf(hosts), url, key, fields, fetchContext, ecs, memcachedTimeout, mispTimeout,
                cacheSize, cacheTtl, valueCacheSize, maxValueLength, maxValuesPerField, memcachedMaxValueBytes,
                mispMaxResponseBytes, verification, List.copyOf(cas));
    }

    /** Logstash's Configuration throws on a value of the wrong type; name the option in that case. */
    private static <T> T get(String option, Supplier<T> read) {
        try {
            return read.get();
        } catch (ConfigException e) {
            throw e;
        } catch (RuntimeException e) {
            throw new ConfigException(option, "has a value of the wrong type (" + e.getClass().getSimpleName() + ")");
        }
    }

    private static long range(String option, Long value, long min, long max) {
        if (value == null || value < min || value > max) {
            throw new ConfigException(option, "must be a number from " + min + " to " + max + ", got " + value);
        }
        return value;
    }

    /** What the core's createEnricher receives. */
    public Map<String, Object> coreOptions() {
        Map<String, Object> o = new LinkedHashMap<>();
        o.put("fields", fields);
        o.put("ecs_compatibility", ecsCompatibility);
        o.put("fetch_context", fetchContext);
        o.put("misp_url", mispUrl == null ? null : mispUrl.toString());
        return o;
    }

    /** Never prints the API key. */
    @Override
    public String toString() {
        return "Settings[memcached_hosts=" + memcachedHosts + ", misp_url=" + mispUrl + ", misp_api_key="
                + (mispApiKey == null ? "unset" : "<password>") + ", fields=" + fields + ", fetch_context=" + fetchContext
                + ", ecs_compatibility=" + ecsCompatibility + "]";
    }
}
