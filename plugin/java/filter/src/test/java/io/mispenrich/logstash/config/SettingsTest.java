package io.mispenrich.logstash.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

import co.elastic.logstash.api.Configuration;
import co.elastic.logstash.api.Password;
import co.elastic.logstash.api.PluginConfigSpec;

/** The options as Settings reads and validates them: defaults, units, bounds, and the option each error names. */
class SettingsTest {

    /** Options as a pipeline would give them, with Logstash's conversions for the types used here. */
    private static Configuration config(Map<String, Object> raw) {
        return new Configuration() {
            @Override
            @SuppressWarnings("unchecked")
            public <T> T get(PluginConfigSpec<T> spec) {
                Object o = raw.get(spec.name());
                if (o == null) {
                    return spec.defaultValue();
                }
                if (spec.type() == Double.class && o instanceof Number n) {
                    return (T) Double.valueOf(n.doubleValue());
                }
                if (spec.type() == URI.class && o instanceof String s) {
                    return (T) URI.create(s);
                }
                if (spec.type() == Password.class && o instanceof String s) {
                    return (T) new Password(s);
                }
                if (!spec.type().isInstance(o)) {
                    throw new IllegalStateException("incompatible type for " + spec.name());
                }
                return (T) o;
            }

            @Override
            public Object getRawValue(PluginConfigSpec<?> spec) {
                return raw.get(spec.name());
            }

            @Override
            public boolean contains(PluginConfigSpec<?> spec) {
                return raw.containsKey(spec.name());
            }

            @Override
            public Collection<String> allKeys() {
                return raw.keySet();
            }
        };
    }

    private static Map<String, Object> base() {
        Map<String, Object> m = new HashMap<>();
        m.put("fetch_context", false);
        return m;
    }

    private static void rejects(String option, Map<String, Object> raw) {
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.from(config(raw)), option);
        assertEquals(option, e.option(), e.getMessage());
        assertTrue(e.getMessage().startsWith("MISP_ENRICH_CONFIG: option '" + option + "'"), e.getMessage());
    }

    /**
     * Every range the contract declares (Options.*_RANGE) is the one Settings enforces: its bounds
     * are taken, one step outside either is refused naming the option.
     */
    @Test
    void enforcesEachDeclaredRange() throws ReflectiveOperationException {
        int ranges = 0;
        for (java.lang.reflect.Field f : Options.class.getFields()) {
            if (!f.getName().endsWith("_RANGE")) {
                continue;
            }
            ranges++;
            Options.Range range = (Options.Range) f.get(null);
            PluginConfigSpec<?> spec = (PluginConfigSpec<?>) Options.class.getField(f.getName().replace("_RANGE", "")).get(null);
            boolean seconds = spec.type() == Double.class;
            double step = seconds ? 0.0005 : 1;
            for (double ok : new double[] {range.min(), range.max()}) {
                Map<String, Object> raw = base();
                raw.put(spec.name(), seconds ? (Object) ok : (Object) (long) ok);
                Settings.from(config(raw));
            }
            for (double bad : new double[] {range.min() - step, range.max() + step}) {
                Map<String, Object> raw = base();
                raw.put(spec.name(), seconds ? (Object) bad : (Object) (long) bad);
                rejects(spec.name(), raw);
            }
        }
        assertTrue(ranges >= 13, "ranges found: " + ranges);
    }

    @Test
    void refusesWhatNoDeclaredChoiceIs() {
        Map<String, Object> raw = base();
        raw.put(Options.SSL_VERIFICATION_MODE.name(), "partial");
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.from(config(raw)));
        assertEquals("MISP_ENRICH_CONFIG: option 'ssl_verification_mode': must be \"full\" or \"none\", got \"partial\"", e.getMessage());
        Map<String, Object> ecs = base();
        ecs.put(Options.ECS_COMPATIBILITY.name(), "v9");
        e = assertThrows(ConfigException.class, () -> Settings.from(config(ecs)));
        assertEquals("MISP_ENRICH_CONFIG: option 'ecs_compatibility': must be \"disabled\", \"v1\" or \"v8\", got \"v9\"", e.getMessage());
    }

    @Test
    void hasLogstashLikeDefaults() {
        Settings s = Settings.from(config(base()));
        assertEquals(List.of(HostPort("127.0.0.1:11211")), s.memcached().hosts());
        assertEquals(500, s.memcached().timeoutMs());
        assertEquals(5_000, s.misp().timeoutMs());
        assertEquals(300_000, s.misp().contextCacheTtlMs());
        assertEquals("v8", s.ecsCompatibility());
        assertNull(s.target());
        assertEquals(List.of("_misp_enrich_lookup_failure"), s.tags().onFailure());
        assertEquals(List.of("_misp_enrich_fetch_failure"), s.tags().onFetchFailure());
        assertEquals(100_000, s.valueCacheSize());
    }

    private static io.mispenrich.logstash.kv.HostPort HostPort(String s) {
        return io.mispenrich.logstash.kv.HostPort.parse(s);
    }

    @Test
    void takesTimeoutsInSecondsWithFractions() {
        Map<String, Object> raw = base();
        raw.put("memcached_timeout", 0.25);
        raw.put("misp_timeout", 12L);
        raw.put("context_cache_ttl", 0.5);
        Settings s = Settings.from(config(raw));
        assertEquals(250, s.memcached().timeoutMs());
        assertEquals(12_000, s.misp().timeoutMs());
        assertEquals(500, s.misp().contextCacheTtlMs());
    }

    @Test
    void namesTheOptionOfEachMistake() {
        Map<String, Object> raw;
        raw = base(); raw.put("memcached_timeout", 0.0); rejects("memcached_timeout", raw);
        raw = base(); raw.put("memcached_hosts", List.of("127.0.0.1:99999")); rejects("memcached_hosts", raw);
        raw = base(); raw.put("ecs_compatibility", "v3"); rejects("ecs_compatibility", raw);
        raw = base(); raw.put("tag_on_failure", List.of(" ")); rejects("tag_on_failure", raw);
        raw = base(); raw.put("target", " "); rejects("target", raw);
        raw = base(); raw.put("max_values_per_field", 0L); rejects("max_values_per_field", raw);
        raw = base(); raw.put("value_cache_size", "lots"); rejects("value_cache_size", raw);
        raw = base(); raw.put("fetch_context", true); rejects("misp_url", raw);
        raw = base(); raw.put("fetch_context", true); raw.put("misp_url", "https://misp.example"); rejects("misp_api_key", raw);
        raw = base(); raw.put("proxy", "http://u:p@proxy.example:3128"); rejects("proxy", raw);
        raw = base(); raw.put("ssl_supported_protocols", List.of("TLSv1")); rejects("ssl_supported_protocols", raw);
        raw = base(); raw.put("ssl_verification_mode", "certificate"); rejects("ssl_verification_mode", raw);
        // Logstash's own Configuration would read "maybe" as false.
        raw = base(); raw.put("fetch_context", "maybe"); rejects("fetch_context", raw);
        raw = base(); raw.put("sightings", "yes"); rejects("sightings", raw);
    }

    @Test
    void neverPrintsTheApiKey() {
        Map<String, Object> raw = base();
        raw.put("fetch_context", true);
        raw.put("misp_url", "https://misp.example");
        raw.put("misp_api_key", "SECRETKEY-0123456789abcdefghij0123456789");
        Settings s = Settings.from(config(raw));
        assertTrue(!s.toString().contains("SECRETKEY"), s.toString());
        raw.put("misp_api_key", "has space");
        ConfigException e = assertThrows(ConfigException.class, () -> Settings.from(config(raw)));
        assertTrue(!e.getMessage().contains("has space"), e.getMessage());
    }

    @Test
    void passesTheCoreItsOptionsUnderTheirLogstashNames() {
        Map<String, Object> raw = base();
        raw.put("ecs_compatibility", "disabled");
        raw.put("target", "[intel]");
        raw.put("tag_on_failure", List.of("_a", "_b"));
        Map<String, Object> core = Settings.from(config(raw)).coreOptions();
        assertEquals("disabled", core.get("ecs_compatibility"));
        assertEquals("[intel]", core.get("target"));
        assertEquals(List.of("_a", "_b"), core.get("tag_on_failure"));
        assertEquals(false, core.get("fetch_context"));
    }
}
