package io.mispenrich.logstash.core;

import org.graalvm.polyglot.HostAccess;

/** Mirror of the core's Enricher: one per Context, created from the plugin options. */
// Implementable: the one permission the default (EXPLICIT) host access needs to map the guest
// object onto this interface; nothing on the host side is exported to JavaScript.
@HostAccess.Implementable
public interface Enricher {
    /** JSON array of the Logstash field references the host reads from each event. */
    String fieldRefs();

    /** BeginRequest JSON in; the returned plan lives for one batch only. */
    BatchPlan begin(String beginRequestJson);
}
