package io.mispenrich.logstash.log;

import java.util.Optional;

/**
 * Every stable code the filter's warnings, errors and exceptions carry, in one place. Each is
 * documented in docs/index.asciidoc ("Error codes"); spec/project/error-codes.spec.ts fails when
 * the two lists differ or when a MISP_ENRICH_* literal appears anywhere else in the shell.
 * Some are the core's own (CONFIG, PROTOCOL): the shell keeps the code the core's error gave.
 */
public enum ErrorCode {
    /** An option is malformed (from Settings or from the core); start-up fails. */
    CONFIG,
    /** No memcached host answered a batch's multi-get. */
    LOOKUP,
    /** The core produced a key memcached cannot take. */
    KEY,
    /** MISP did not answer events/restSearch. */
    FETCH,
    /** The core threw. */
    CORE_ERROR,
    /** GraalJS itself failed (resource exhaustion, cancellation, internal error). */
    CORE_RUNTIME,
    /** The bundle does not have the shape the Java mirrors expect. */
    CORE_CONTRACT,
    /** The plugin jar has no core bundle. */
    CORE_MISSING,
    /** The core and the shell disagree about the protocol (a call's answer has the wrong shape). */
    PROTOCOL,
    /** Text that should have been JSON was not. */
    JSON,
    /** A batch arrived after close(). */
    CLOSED,
    /** One event could not take its enrichment. */
    APPLY,
    /** memcached holds no agent's meta key. */
    NO_AGENT_DATA,
    /** Sightings could not be sent to MISP. */
    SIGHTINGS,
    /** No writable, private directory for GraalJS's native resources could be set up (warning). */
    RESOURCE_CACHE,
    /**
     * The Graal compiler is on the JVM's module path but the plugin's class loader cannot share its
     * interfaces (pipeline.plugin_classloaders: true): GraalJS runs interpreted (warning).
     */
    JIT_UNREACHABLE,
    /**
     * The JVM is older than Java 21. Raised by the gem's Ruby file (lib/logstash/filters/misp_enrich.rb)
     * before the Java class is loaded, since a class built for 21 cannot even load on an older JVM.
     */
    JAVA_VERSION;

    /** What every code starts with. */
    public static final String PREFIX = "MISP_ENRICH_";

    /** The code as it appears in logs and messages: MISP_ENRICH_ and the name. */
    public String code() {
        return PREFIX + name();
    }

    /** "CODE: message", the shape of every log line and exception message that carries a code. */
    public String say(String message) {
        return code() + ": " + message;
    }

    /** The code a message such as "MISP_ENRICH_CONFIG: ..." (the core's errors) starts with, if known. */
    public static Optional<ErrorCode> leading(String message) {
        if (message == null || !message.startsWith(PREFIX)) {
            return Optional.empty();
        }
        int colon = message.indexOf(':');
        if (colon < 0) {
            return Optional.empty();
        }
        String name = message.substring(PREFIX.length(), colon);
        for (ErrorCode c : values()) {
            if (c.name().equals(name)) {
                return Optional.of(c);
            }
        }
        return Optional.empty();
    }
}
