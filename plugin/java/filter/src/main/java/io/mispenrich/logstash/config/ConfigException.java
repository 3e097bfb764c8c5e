package io.mispenrich.logstash.config;

/** A malformed option: start-up fails with a message that names the option (never its secret value). */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;
    public static final String CODE = "MISP_ENRICH_CONFIG";

    private final String option;

    public ConfigException(String option, String problem) {
        super(CODE + ": option '" + option + "': " + problem);
        this.option = option;
    }

    public String option() {
        return option;
    }
}
