package io.mispenrich.logstash.graaljs;

import org.graalvm.polyglot.HostAccess;

/**
 * Mirror of the core's enricher (plugin/core/main.ts, EnricherHandle): one per Context, created
 * from the plugin options. Every argument and result is JSON text of a message in
 * plugin/core/protocol.ts. A batch calls keys, match and finish at most once each, in that order.
 */
// Implementable: the one permission the default (EXPLICIT) host access needs to map the guest
// object onto this interface; nothing on the host side is exported to JavaScript.
@HostAccess.Implementable
public interface Enricher {
    /** EnricherInfo: the fields to read, the meta key, the edits of unmatched and failed events. */
    String describe();

    /** KeysRequest in, KeysResponse out: the lookup keys of values the host has not seen. */
    String keys(String keysRequestJson);

    /** MatchRequest in, MatchResponse out: the event ids to fetch, or the batch's result. */
    String match(String matchRequestJson);

    /** FinishRequest in, FinishResponse out: the edits of the events that hit. */
    String finish(String finishRequestJson);
}
