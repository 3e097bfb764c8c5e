package io.mispenrich.logstash.config;

import io.mispenrich.logstash.log.ErrorCode;
/** A malformed option: start-up fails with a message that names the option (never its secret value). */
public final class ConfigException extends IllegalArgumentException {
    private static final long serialVersionUID = 1L;

    private final String option;

    public ConfigException(String option, String problem) {
        super(ErrorCode.CONFIG.say("option '" + option + "': " + problem));
        this.option = option;
    }

    public String option() {
        return option;
    }
}
