package io.mispenrich.logstash.graaljs;

/** A failure inside the core or at the polyglot boundary, with a stable MISP_ENRICH_* code. */
public final class CoreException extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final String code;

    public CoreException(String code, String message, Throwable cause) {
        super(code + ": " + message, cause);
        this.code = code;
    }

    public String code() {
        return code;
    }
}
