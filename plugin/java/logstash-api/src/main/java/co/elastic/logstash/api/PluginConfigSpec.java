package co.elastic.logstash.api;

import java.net.URI;
import java.net.URISyntaxException;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;

// Public surface as in logstash-core; the body is a minimal value holder so the harness can run
// plugins with it. Plugins only ever call the static factories and the accessors.
public final class PluginConfigSpec<T> {

    private final String name;
    private final Class<T> type;
    private final T defaultValue;
    private final boolean deprecated;
    private final boolean required;
    private final String rawDefaultValue;

    private PluginConfigSpec(final String name, final Class<T> type, final T defaultValue, final boolean deprecated,
                             final boolean required, final String rawDefaultValue) {
        this.name = name;
        this.type = type;
        this.defaultValue = defaultValue;
        this.deprecated = deprecated;
        this.required = required;
        this.rawDefaultValue = rawDefaultValue;
    }

    public static PluginConfigSpec<String> stringSetting(final String name) {
        return new PluginConfigSpec<>(name, String.class, null, false, false, null);
    }

    public static PluginConfigSpec<String> stringSetting(final String name, final String defaultValue) {
        return new PluginConfigSpec<>(name, String.class, defaultValue, false, false, null);
    }

    public static PluginConfigSpec<String> requiredStringSetting(final String name) {
        return new PluginConfigSpec<>(name, String.class, null, false, true, null);
    }

    public static PluginConfigSpec<String> stringSetting(final String name, final String defaultValue, boolean deprecated, boolean required) {
        return new PluginConfigSpec<>(name, String.class, defaultValue, deprecated, required, null);
    }

    public static PluginConfigSpec<Codec> codecSetting(final String name) {
        return new PluginConfigSpec<>(name, Codec.class, null, false, false, null);
    }

    public static PluginConfigSpec<Codec> codecSetting(final String name, final String defaultCodecName) {
        return new PluginConfigSpec<>(name, Codec.class, null, false, false, defaultCodecName);
    }

    public static PluginConfigSpec<Codec> codecSetting(final String name, final Codec defaultValue, boolean deprecated, boolean required) {
        return new PluginConfigSpec<>(name, Codec.class, defaultValue, deprecated, required, null);
    }

    public static PluginConfigSpec<URI> uriSetting(final String name) {
        return new PluginConfigSpec<>(name, URI.class, null, false, false, null);
    }

    public static PluginConfigSpec<URI> uriSetting(final String name, final String defaultUri) {
        return uriSetting(name, defaultUri, false, false);
    }

    public static PluginConfigSpec<URI> uriSetting(final String name, final String defaultUri, boolean deprecated, boolean required) {
        try {
            URI uri = defaultUri == null ? null : new URI(defaultUri);
            return new PluginConfigSpec<>(name, URI.class, uri, deprecated, required, defaultUri);
        } catch (URISyntaxException e) {
            throw new IllegalStateException(String.format("Invalid default URI '%s' for setting '%s'", defaultUri, name), e);
        }
    }

    public static PluginConfigSpec<Long> numSetting(final String name) {
        return new PluginConfigSpec<>(name, Long.class, null, false, false, null);
    }

    public static PluginConfigSpec<Long> numSetting(final String name, final long defaultValue) {
        return new PluginConfigSpec<>(name, Long.class, defaultValue, false, false, null);
    }

    public static PluginConfigSpec<Double> floatSetting(final String name, final double defaultValue) {
        return new PluginConfigSpec<>(name, Double.class, defaultValue, false, false, null);
    }

    public static PluginConfigSpec<Double> floatSetting(final String name, final double defaultValue, boolean deprecated, boolean required) {
        return new PluginConfigSpec<>(name, Double.class, defaultValue, deprecated, required, null);
    }

    public static PluginConfigSpec<Long> numSetting(final String name, final long defaultValue, boolean deprecated, boolean required) {
        return new PluginConfigSpec<>(name, Long.class, defaultValue, deprecated, required, null);
    }

    public static PluginConfigSpec<Boolean> booleanSetting(final String name) {
        return new PluginConfigSpec<>(name, Boolean.class, null, false, false, null);
    }

    public static PluginConfigSpec<Boolean> booleanSetting(final String name, final boolean defaultValue) {
        return new PluginConfigSpec<>(name, Boolean.class, defaultValue, false, false, null);
    }

    public static PluginConfigSpec<Boolean> requiredBooleanSetting(final String name) {
        return new PluginConfigSpec<>(name, Boolean.class, null, false, true, null);
    }

    public static PluginConfigSpec<Boolean> booleanSetting(final String name, final boolean defaultValue, boolean deprecated, boolean required) {
        return new PluginConfigSpec<>(name, Boolean.class, defaultValue, deprecated, required, null);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static PluginConfigSpec<Map<String, Object>> hashSetting(final String name) {
        return new PluginConfigSpec(name, Map.class, null, false, false, null);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static PluginConfigSpec<Map<String, Object>> hashSetting(final String name, Map<String, Object> defaultValue, boolean deprecated, boolean required) {
        return new PluginConfigSpec(name, Map.class, defaultValue, deprecated, required, null);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static PluginConfigSpec<List<Object>> arraySetting(final String name) {
        return new PluginConfigSpec(name, List.class, null, false, false, null);
    }

    @SuppressWarnings({"unchecked", "rawtypes"})
    public static PluginConfigSpec<List<Object>> arraySetting(final String name, List<Object> defaultValue, boolean deprecated, boolean required) {
        return new PluginConfigSpec(name, List.class, defaultValue, deprecated, required, null);
    }

    public static PluginConfigSpec<Password> passwordSetting(final String name) {
        return new PluginConfigSpec<>(name, Password.class, null, false, false, null);
    }

    public static PluginConfigSpec<Password> passwordSetting(final String name, final String defaultValue, boolean deprecated, boolean required) {
        Password value = defaultValue == null ? null : new Password(defaultValue);
        return new PluginConfigSpec<>(name, Password.class, value, deprecated, required, null);
    }

    public Collection<PluginConfigSpec<?>> children() {
        return Collections.emptyList();
    }

    public boolean deprecated() {
        return deprecated;
    }

    public boolean required() {
        return required;
    }

    public T defaultValue() {
        return defaultValue;
    }

    public String name() {
        return name;
    }

    public Class<T> type() {
        return type;
    }

    public String getRawDefaultValue() {
        return rawDefaultValue;
    }
}
