package io.mispenrich.logstash.graaljs;

import io.mispenrich.logstash.log.ErrorCode;
/** A failure inside the core or at the polyglot boundary, with a stable MISP_ENRICH_* code. */
public final class CoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final ErrorCode code;

    public CoreException(ErrorCode code, String message, Throwable cause) {
        super(code.say(message), cause);
        this.code = code;
    }

    public ErrorCode code() {
        return code;
    }
}
