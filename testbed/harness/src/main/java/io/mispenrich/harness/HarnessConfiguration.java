package io.mispenrich.harness;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import co.elastic.logstash.api.Codec;
import co.elastic.logstash.api.Configuration;
import co.elastic.logstash.api.Password;
import co.elastic.logstash.api.Plugin;
import co.elastic.logstash.api.PluginConfigSpec;

/**
 * Options as Logstash hands them to a Java plugin: values typed as the pipeline parser types them
 * (strings, Long, Double, Boolean, List, Map), converted by get() to the spec's type by the rules
 * of Logstash's ConfigurationImpl: a Long where a Double is wanted, ANY string where a boolean is
 * wanted ("true" is true, every other text false: Logstash never refuses one), a string where a
 * URI or a password is wanted; any other mismatch is an IllegalStateException.
 */
final class HarnessConfiguration implements Configuration {

    private final Map<String, Object> raw;

    HarnessConfiguration(Map<String, Object> raw) {
        this.raw = raw;
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T get(PluginConfigSpec<T> spec) {
        if (!raw.containsKey(spec.name())) {
            return spec.defaultValue();
        }
        Object o = raw.get(spec.name());
        if (o == null) {
            return spec.defaultValue();
        }
        Class<T> type = spec.type();
        if (type.isAssignableFrom(o.getClass())) {
            return (T) o;
        }
        if (type == Double.class && (o instanceof Long || o instanceof Integer)) {
            return (T) Double.valueOf(((Number) o).doubleValue());
        }
        if (type == Long.class && (o instanceof Integer || o instanceof Short)) {
            return (T) Long.valueOf(((Number) o).longValue());
        }
        if (type == Boolean.class && o instanceof String s) {
            return (T) Boolean.valueOf(Boolean.parseBoolean(s));
        }
        if (type == URI.class && o instanceof String s) {
            try {
                return (T) new URI(s);
            } catch (URISyntaxException e) {
                throw new IllegalStateException("Invalid URI specified for '" + spec.name() + "'");
            }
        }
        if (type == Password.class && o instanceof String s) {
            return (T) new Password(s);
        }
        throw new IllegalStateException(String.format("Setting value for '%s' of type '%s' incompatible with defined type of '%s'",
                spec.name(), o.getClass(), type));
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

    /** Logstash's check after constructing a plugin: unknown and missing required options. */
    static List<String> validate(Plugin plugin, Map<String, Object> raw) {
        List<String> errors = new ArrayList<>();
        Collection<PluginConfigSpec<?>> schema = plugin.configSchema();
        for (String key : raw.keySet()) {
            boolean known = schema.stream().anyMatch(s -> s.name().equals(key));
            if (!known) {
                errors.add(String.format("Unknown setting '%s' specified for plugin '%s'", key, plugin.getName()));
            }
        }
        for (PluginConfigSpec<?> s : schema) {
            if (s.required() && !raw.containsKey(s.name())) {
                errors.add(String.format("Required setting '%s' not specified for plugin '%s'", s.name(), plugin.getName()));
            }
            if (s.type() == Codec.class && raw.containsKey(s.name())) {
                errors.add("codec settings are not supported by this harness");
            }
        }
        return errors;
    }
}
