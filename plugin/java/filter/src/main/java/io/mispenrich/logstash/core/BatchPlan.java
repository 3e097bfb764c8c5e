package io.mispenrich.logstash.core;

import org.graalvm.polyglot.HostAccess;

/** Mirror of the core's per-batch state: exactly three calls per batch, whatever its size. */
// Implementable: the one permission the default (EXPLICIT) host access needs to map the guest
// object onto this interface; nothing on the host side is exported to JavaScript.
@HostAccess.Implementable
public interface BatchPlan {
    /** BeginResponse JSON: the memcached keys for the whole batch. */
    String keys();

    /** LookupRequest JSON in, LookupResponse JSON out. */
    String lookup(String lookupRequestJson);

    /** FinishRequest JSON in, FinishResponse JSON out. */
    String finish(String finishRequestJson);
}
