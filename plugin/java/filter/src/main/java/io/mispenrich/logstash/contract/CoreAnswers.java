// Generated from plugin/core/contract/core-answers.ts by scripts/gen-contract.ts (npm run contract): do not edit.
package io.mispenrich.logstash.contract;

import java.util.List;
import java.util.Map;

/**
 * The answers the core gives as JSON (describe, match, finish; plugin/core/protocol.ts), as the
 * contract declares them: one record each, read from {@code Json.parse}'s tree by its
 * {@code decode}, so the shell reads typed fields and never a Map by string keys.
 */
public final class CoreAnswers {

    private CoreAnswers() {
    }

    /**
     * Values to append to one array field.
     *
     * @param fieldRef The field, as a Logstash field reference.
     * @param values What to append, in order.
     */
    public record FieldValues(String fieldRef, List<Object> values) {

        /** Reads a parsed JSON tree as the contract declares it; a PROTOCOL error names what differs. */
        public static FieldValues decode(Object json) {
            List<?> a = Decode.tuple(json, 2, "FieldValues");
            return new FieldValues(Decode.string(a.get(0), "FieldValues.fieldRef"), Decode.jsonList(a.get(1), "FieldValues.values"));
        }
    }

    /**
     * A value to set one field to.
     *
     * @param fieldRef The field, as a Logstash field reference.
     * @param value What to set it to, replacing what was there.
     */
    public record FieldValue(String fieldRef, Object value) {

        /** Reads a parsed JSON tree as the contract declares it; a PROTOCOL error names what differs. */
        public static FieldValue decode(Object json) {
            List<?> a = Decode.tuple(json, 2, "FieldValue");
            return new FieldValue(Decode.string(a.get(0), "FieldValue.fieldRef"), a.get(1));
        }
    }

    /**
     * What to do to one event.
     *
     * @param append Values to append to array fields: existing values are kept, a non-array value
     *        becomes its first element.
     * @param set Fields to set, replacing what was there.
     * @param tags Tags to add to the event's `tags` field (no duplicates).
     * @param matched True if the event had a hit: the host reports it with filterMatched.
     */
    public record EventEdit(List<FieldValues> append, List<FieldValue> set, List<String> tags, boolean matched) {

        /** Reads a parsed JSON tree as the contract declares it; a PROTOCOL error names what differs. */
        public static EventEdit decode(Object json) {
            Map<?, ?> o = Decode.object(json, "EventEdit");
            return new EventEdit(
                    Decode.list(o.get("append"), "EventEdit.append", FieldValues::decode),
                    Decode.list(o.get("set"), "EventEdit.set", FieldValue::decode), Decode.strings(o.get("tags"), "EventEdit.tags"),
                    Decode.bool(o.get("matched"), "EventEdit.matched"));
        }
    }

    /**
     * The edit of one event of the batch; events of MatchRequest.events that are not listed did
     * not match.
     *
     * @param append Values to append to array fields: existing values are kept, a non-array value
     *        becomes its first element.
     * @param set Fields to set, replacing what was there.
     * @param tags Tags to add to the event's `tags` field (no duplicates).
     * @param matched True if the event had a hit: the host reports it with filterMatched.
     * @param index Index of the event in the batch.
     */
    public record EventChange(List<FieldValues> append, List<FieldValue> set, List<String> tags, boolean matched, int index) {

        /** Reads a parsed JSON tree as the contract declares it; a PROTOCOL error names what differs. */
        public static EventChange decode(Object json) {
            Map<?, ?> o = Decode.object(json, "EventChange");
            return new EventChange(
                    Decode.list(o.get("append"), "EventChange.append", FieldValues::decode),
                    Decode.list(o.get("set"), "EventChange.set", FieldValue::decode), Decode.strings(o.get("tags"), "EventChange.tags"),
                    Decode.bool(o.get("matched"), "EventChange.matched"), Decode.intValue(o.get("index"), "EventChange.index"));
        }

        /** The EventEdit this EventChange carries. */
        public EventEdit eventEdit() {
            return new EventEdit(append, set, tags, matched);
        }
    }

    /**
     * A batch's counts, for the host's metrics.
     *
     * @param hits Enrichments written (one per matched MISP attribute per value).
     * @param matchedEvents Events with at least one enrichment.
     * @param fetchFailures Matched events tagged because a MISP context could not be fetched.
     * @param badValues Stored values that were not summaries of this format (corrupt or foreign).
     * @param expired Stored attributes left out because they had expired at `now` (their decay
     *        score under the model's threshold, or out of the agent's --max-age window) while still in
     *        the store. Always set by the core; optional so that hosts' own counters extending this type
     *        need not carry it.
     */
    public record MatchStats(long hits, long matchedEvents, long fetchFailures, long badValues, long expired) {

        /** Reads a parsed JSON tree as the contract declares it; a PROTOCOL error names what differs. */
        public static MatchStats decode(Object json) {
            Map<?, ?> o = Decode.object(json, "MatchStats");
            return new MatchStats(
                    Decode.longValue(o.get("hits"), "MatchStats.hits"),
                    Decode.longValue(o.get("matched_events"), "MatchStats.matched_events"),
                    Decode.longValue(o.get("fetch_failures"), "MatchStats.fetch_failures"),
                    Decode.longValue(o.get("bad_values"), "MatchStats.bad_values"),
                    Decode.optionalLong(o.get("expired"), "MatchStats.expired"));
        }
    }

    /**
     * One MISP attribute that matched in a batch: what a host reports to MISP as sightings (filter
     * option sightings).
     *
     * @param uuid The attribute's uuid.
     * @param eventId Its MISP event id.
     * @param events The number of the batch's events it matched.
     */
    public record AttributeHit(String uuid, String eventId, long events) {

        /** Reads a parsed JSON tree as the contract declares it; a PROTOCOL error names what differs. */
        public static AttributeHit decode(Object json) {
            List<?> a = Decode.tuple(json, 3, "AttributeHit");
            return new AttributeHit(
                    Decode.string(a.get(0), "AttributeHit.uuid"), Decode.string(a.get(1), "AttributeHit.eventId"),
                    Decode.longValue(a.get(2), "AttributeHit.events"));
        }
    }

    /**
     * A batch's result: the edits, the counts and the attributes that matched.
     *
     * @param changes The edit of each event that matched, in batch order.
     * @param stats The batch's counts.
     * @param attributes Every attribute that matched in this batch, once, in order of first match.
     */
    public record FinishResponse(List<EventChange> changes, MatchStats stats, List<AttributeHit> attributes) {

        /** Reads a parsed JSON tree as the contract declares it; a PROTOCOL error names what differs. */
        public static FinishResponse decode(Object json) {
            Map<?, ?> o = Decode.object(json, "FinishResponse");
            return new FinishResponse(
                    Decode.list(o.get("changes"), "FinishResponse.changes", EventChange::decode), MatchStats.decode(o.get("stats")),
                    Decode.list(o.get("attributes"), "FinishResponse.attributes", AttributeHit::decode));
        }
    }

    /**
     * The answer to match(): the MISP events to fetch, or the batch's result at once.
     *
     * @param eventIds The MISP events whose context the host should fetch, then pass to finish(),
     *        by reference: an event id of the main MISP (misp_url), or "<instance>:<event id>" for an
     *        instance of EnricherInfo.misp_instances (enrich/misp-instance.ts).
     * @param result Present when there is nothing to fetch: the batch's result, and finish() is
     *        not called.
     */
    public record MatchResponse(List<String> eventIds, FinishResponse result) {

        /** Reads a parsed JSON tree as the contract declares it; a PROTOCOL error names what differs. */
        public static MatchResponse decode(Object json) {
            Map<?, ?> o = Decode.object(json, "MatchResponse");
            return new MatchResponse(
                    Decode.strings(o.get("event_ids"), "MatchResponse.event_ids"),
                    o.get("result") == null ? null : FinishResponse.decode(o.get("result")));
        }
    }

    /**
     * One configured field.
     *
     * @param ref The field reference the host reads from each event.
     * @param datatype What its values are (the host only groups values by it).
     */
    public record FieldSpec(String ref, String datatype) {

        /** Reads a parsed JSON tree as the contract declares it; a PROTOCOL error names what differs. */
        public static FieldSpec decode(Object json) {
            Map<?, ?> o = Decode.object(json, "FieldSpec");
            return new FieldSpec(Decode.string(o.get("ref"), "FieldSpec.ref"), Decode.string(o.get("datatype"), "FieldSpec.datatype"));
        }
    }

    /**
     * retro_keys: the field set on every event to `marker` followed by the union of its values'
     * hunt keys (KeysResponse.hunt), in field order, each once.
     *
     * @param field The field reference written.
     * @param marker The first element, before the event's hunt keys.
     */
    public record RetroKeys(String field, String marker) {

        /** Reads a parsed JSON tree as the contract declares it; a PROTOCOL error names what differs. */
        public static RetroKeys decode(Object json) {
            Map<?, ?> o = Decode.object(json, "RetroKeys");
            return new RetroKeys(Decode.string(o.get("field"), "RetroKeys.field"), Decode.string(o.get("marker"), "RetroKeys.marker"));
        }
    }

    /**
     * A further MISP instance of misp_sources, as the file gives it: the host fetches
     * "<name>:<id>" references from it, with the key read from api_key_file, its own CA file,
     * verification and proxy where it gives them and the host's own settings where it does not.
     *
     * @param name The instance's name in references.
     * @param url Its base URL.
     * @param apiKeyFile The file holding its API key.
     * @param caFile Its CA file, or null for the host's ssl_certificate_authorities.
     * @param insecure True to skip verification; null for the host's ssl_verification_mode.
     * @param proxy Its proxy, or null for the host's proxy.
     */
    public record MispInstance(String name, String url, String apiKeyFile, String caFile, Boolean insecure, String proxy) {

        /** Reads a parsed JSON tree as the contract declares it; a PROTOCOL error names what differs. */
        public static MispInstance decode(Object json) {
            Map<?, ?> o = Decode.object(json, "MispInstance");
            return new MispInstance(
                    Decode.string(o.get("name"), "MispInstance.name"), Decode.string(o.get("url"), "MispInstance.url"),
                    Decode.string(o.get("api_key_file"), "MispInstance.api_key_file"),
                    Decode.nullableString(o.get("ca_file"), "MispInstance.ca_file"),
                    Decode.nullableBool(o.get("insecure"), "MispInstance.insecure"),
                    Decode.nullableString(o.get("proxy"), "MispInstance.proxy"));
        }
    }

    /**
     * What the host must know once, from `describe()`.
     *
     * @param fields The configured fields, in order: the host reads `ref` from each event.
     * @param metaKey The key the agent keeps its status and CIDR prefix lengths under: fetched
     *        with every lookup.
     * @param unmatched Applied to every event that did not match (null: such events leave
     *        unchanged).
     * @param lookupFailed Applied to every event that needed a lookup when no key-value server
     *        could answer.
     * @param retroKeys Where retro_keys writes each event's hunt keys; null when off.
     * @param mispInstances The further MISP instances of misp_sources (empty when not configured).
     */
    public record EnricherInfo(
            List<FieldSpec> fields,
            String metaKey,
            EventEdit unmatched,
            EventEdit lookupFailed,
            RetroKeys retroKeys,
            List<MispInstance> mispInstances) {

        /** Reads a parsed JSON tree as the contract declares it; a PROTOCOL error names what differs. */
        public static EnricherInfo decode(Object json) {
            Map<?, ?> o = Decode.object(json, "EnricherInfo");
            return new EnricherInfo(
                    Decode.list(o.get("fields"), "EnricherInfo.fields", FieldSpec::decode),
                    Decode.string(o.get("meta_key"), "EnricherInfo.meta_key"),
                    o.get("unmatched") == null ? null : EventEdit.decode(o.get("unmatched")), EventEdit.decode(o.get("lookup_failed")),
                    o.get("retro_keys") == null ? null : RetroKeys.decode(o.get("retro_keys")),
                    Decode.list(o.get("misp_instances"), "EnricherInfo.misp_instances", MispInstance::decode));
        }
    }
}
