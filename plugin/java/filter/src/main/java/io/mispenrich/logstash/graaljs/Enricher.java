package io.mispenrich.logstash.graaljs;

import org.graalvm.polyglot.HostAccess;

/**
 * Mirror of the core's enricher (plugin/core/main.ts, EnricherHandle), the calls the shell makes:
 * one per Context, created from the plugin options. describe() answers JSON; the per-batch calls
 * take plugin/core/wire.ts's flat text (keysWire answers in wire lines, matchWire and finishWire
 * in JSON) and follow plugin/core/protocol.ts: at most once each per batch, in that order.
 */
// Implementable: the one permission the default (EXPLICIT) host access needs to map the guest
// object onto this interface; nothing on the host side is exported to JavaScript.
@HostAccess.Implementable
public interface Enricher {
    /** EnricherInfo: the fields to read, the meta key, the edits of unmatched and failed events. */
    String describe();

    /** KeysRequest in, its answer out: the lookup keys of values the host has not seen. */
    String keysWire(String keysRequest);

    /** MatchRequest in, MatchResponse (JSON) out: the event ids to fetch, or the batch's result. */
    String matchWire(String matchRequest);

    /** FinishRequest (contexts as MISP's text) in, FinishResponse (JSON) out: the edits of the events that hit. */
    String finishWire(String finishRequest);
}
