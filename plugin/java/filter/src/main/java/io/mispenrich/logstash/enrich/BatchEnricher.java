package io.mispenrich.logstash.enrich;

import io.mispenrich.logstash.log.ErrorCode;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import co.elastic.logstash.api.Event;
import co.elastic.logstash.api.FilterMatchListener;
import io.mispenrich.logstash.contract.CoreAnswers.AttributeHit;
import io.mispenrich.logstash.contract.CoreAnswers.EnricherInfo;
import io.mispenrich.logstash.contract.CoreAnswers.EventChange;
import io.mispenrich.logstash.contract.CoreAnswers.EventEdit;
import io.mispenrich.logstash.contract.CoreAnswers.FieldValue;
import io.mispenrich.logstash.contract.CoreAnswers.FinishResponse;
import io.mispenrich.logstash.contract.CoreAnswers.MatchResponse;
import io.mispenrich.logstash.contract.CoreAnswers.MatchStats;
import io.mispenrich.logstash.event.EventIo;
import io.mispenrich.logstash.json.Json;
import io.mispenrich.logstash.ports.ContextPort;
import io.mispenrich.logstash.ports.KeyValuePort;
import io.mispenrich.logstash.sightings.HitRecorder;
import io.mispenrich.logstash.wire.KeysAnswer;
import io.mispenrich.logstash.wire.WireRequest;

/**
 * One batch through the protocol of plugin/core/protocol.ts: read the configured fields, take
 * each value's keys from the {@link ValueMemory} or (new values only) from the core, one
 * multi-get of the batch's keys, then the core again only for the events that hit. Shared by
 * every pipeline worker; each batch brings its own {@link CoreCalls}.
 *
 * <p>Nothing here decides what a value means: which keys a value has, whether it is valid, what
 * a stored value says and what an event gets are all the core's answers. This class moves
 * strings between the core, the ports and the events.
 */
public final class BatchEnricher {

    /**
     * The core's calls for one batch, on a GraalJS Context borrowed for that batch (lazily).
     * Requests in the core's wire text (plugin/core/wire.ts); keys answers in wire lines, match
     * and finish in JSON.
     */
    public interface CoreCalls {
        String keys(String keysRequestWire);

        String match(String matchRequestWire);

        String finish(String finishRequestWire);
    }

    /** Where failures and news go: the filter's logger and metrics. */
    public interface Reporter {
        void lookupFailed(String why);

        /** The meta value changed from something to "" (no agent has loaded the server). */
        void noAgentData();

        void applyFailed(String why);
    }

    /** What a batch did, for the metrics. */
    public record Outcome(int values, int invalidValues, int newValues, int skippedValues, int keys, int lookupFailures,
                          long hits, long matchedEvents, long fetchFailures, long badValues, int applyFailures) {
    }

    /**
     * How much of an event is looked at: a value longer than maxValueLength characters, and the
     * values of an array field past its first maxValuesPerField, are skipped and counted (log
     * content is attacker-controlled: a megabyte URL or a ten-thousand-address array must not cost
     * seconds of CPU and thousands of lookups). The event still passes on.
     */
    public record Limits(int maxValueLength, int maxValuesPerField) {
    }

    private static final MatchStats NO_STATS = new MatchStats(0, 0, 0, 0, 0);

    private final EnricherInfo info;
    private final ValueMemory memory;
    private final KeyValuePort kv;
    private final ContextPort contexts;
    private final Reporter reporter;
    private final Limits limits;
    /** tag_on_apply_failure. */
    private final List<String> applyFailureTags;
    /** The last value read under the meta key; null until the first lookup (protocol.ts KeysRequest.meta). */
    private final AtomicReference<String> meta = new AtomicReference<>();
    /** The configured fields' references, in the core's order (EnricherInfo.fields). */
    private final List<String> fieldRefs;
    private final int[] datatypeOfField;
    private final List<String> datatypeNames;
    /** Where the attributes that hit are reported (option sightings); null when off. */
    private final HitRecorder hits;
    /** retro_keys: whether each event gets its values' hunt keys (under info.retroKeys()). */
    private final boolean hunting;

    /**
     * @param contexts null when fetch_context is off
     * @param hits where the attributes that hit go (sightings), null when off
     */
    public BatchEnricher(EnricherInfo info, ValueMemory memory, KeyValuePort kv, ContextPort contexts, Reporter reporter, Limits limits,
                         List<String> applyFailureTags, HitRecorder hits) {
        this.hits = hits;
        this.info = info;
        this.hunting = info.retroKeys() != null;
        this.limits = limits;
        this.applyFailureTags = List.copyOf(applyFailureTags);
        this.memory = memory;
        this.kv = kv;
        this.contexts = contexts;
        this.reporter = reporter;
        this.datatypeNames = new ArrayList<>();
        this.fieldRefs = info.fields().stream().map(f -> f.ref()).toList();
        this.datatypeOfField = new int[info.fields().size()];
        for (int j = 0; j < datatypeOfField.length; j++) {
            String d = info.fields().get(j).datatype();
            int k = datatypeNames.indexOf(d);
            if (k < 0) {
                k = datatypeNames.size();
                datatypeNames.add(d);
            }
            datatypeOfField[j] = k;
        }
    }

    public Outcome enrich(List<Event> batch, FilterMatchListener listener, CoreCalls core) {
        return new Run(batch, core).run(listener);
    }

    /** One value of one field of one event. */
    private static final class Occurrence {
        final int event;
        final int field;
        final String raw;
        String[] keys;
        /** retro_keys: the value's hunt keys (null when off, or for a value without). */
        String[] hunt;

        Occurrence(int event, int field, String raw, String[] keys, String[] hunt) {
            this.event = event;
            this.field = field;
            this.raw = raw;
            this.keys = keys;
            this.hunt = hunt;
        }
    }

    private final class Run {
        final List<Event> batch;
        final CoreCalls core;
        final String metaNow = meta.get();
        final ValueMemory.Generation generation = memory.current();
        final boolean remembered = generation.isFor(metaNow);
        final List<Occurrence> occurrences;
        /** New values by datatype, each once, with the index of its answer. */
        final List<Map<String, Integer>> pending = new ArrayList<>();
        int newValues;
        int values;
        int invalid;
        int skipped;

        Run(List<Event> batch, CoreCalls core) {
            this.batch = batch;
            this.core = core;
            this.occurrences = new ArrayList<>(batch.size() * 4);
            for (int d = 0; d < datatypeNames.size(); d++) {
                pending.add(null);
            }
        }

        Outcome run(FilterMatchListener listener) {
            collect();
            if (newValues > 0) {
                resolveNewValues();
            }
            // Count the batch's values, and drop those with nothing to look up.
            // Sized for the batch at once: growing them was 6 % of a warm worker (bench/filter/profile.ts).
            int expectedKeys = occurrences.size() * 4;
            List<String> keys = new ArrayList<>(expectedKeys + 1);
            Set<String> seenKeys = HashSet.newHashSet(expectedKeys);
            BitSet needsLookup = new BitSet(batch.size());
            List<Occurrence> lookedUp = new ArrayList<>(occurrences.size());
            for (Occurrence o : occurrences) {
                if (o.keys == ValueMemory.NOTHING) {
                    continue;
                }
                values++;
                if (o.keys == ValueMemory.INVALID) {
                    invalid++;
                    continue;
                }
                lookedUp.add(o);
                needsLookup.set(o.event);
                for (String k : o.keys) {
                    if (seenKeys.add(k)) {
                        keys.add(k);
                    }
                }
            }

            Map<String, String> found = new HashMap<>();
            boolean lookupFailed = false;
            int keyCount = keys.size();
            if (!keys.isEmpty()) {
                // The meta key rides along with every lookup, so the host's copy is never a batch old.
                keys.add(info.metaKey());
                keyCount = keys.size();
                try {
                    String[] got = kv.getMulti(keys);
                    for (int i = 0; i < got.length - 1; i++) {
                        if (got[i] != null) {
                            found.put(keys.get(i), got[i]);
                        }
                    }
                    noteMeta(got[got.length - 1] == null ? "" : got[got.length - 1]);
                } catch (IOException | RuntimeException e) {
                    lookupFailed = true;
                    reporter.lookupFailed(e.getMessage());
                }
            }

            List<EventChange> changes = List.of();
            MatchStats stats = NO_STATS;
            if (!found.isEmpty()) {
                FinishResponse result = matchAndFinish(lookedUp, found);
                recordHits(result.attributes());
                changes = result.changes();
                stats = result.stats();
            }

            int applyFailures = 0;
            BitSet edited = new BitSet(batch.size());
            for (EventChange change : changes) {
                int at = change.index();
                if (at >= 0 && at < batch.size() && !edited.get(at)) {
                    edited.set(at);
                    if (!apply(batch.get(at), change.eventEdit(), listener)) {
                        applyFailures++;
                    }
                }
            }
            int lookupFailures = 0;
            for (int i = 0; i < batch.size(); i++) {
                if (edited.get(i)) {
                    continue;
                }
                EventEdit edit = info.unmatched();
                if (lookupFailed && needsLookup.get(i)) {
                    edit = info.lookupFailed();
                    lookupFailures++;
                }
                if (edit != null && !apply(batch.get(i), edit, listener)) {
                    applyFailures++;
                }
            }
            if (hunting) {
                applyFailures += writeHuntKeys(listener);
            }
            return new Outcome(values, invalid, newValues, skipped, keyCount, lookupFailures,
                    count(stats.hits()), count(stats.matchedEvents()), count(stats.fetchFailures()), count(stats.badValues()), applyFailures);
        }

        /**
         * retro_keys: sets every event's field info.retroKeys().field() to the marker, then the hunt keys of
         * its values, in field order, each once (what the core answered; nothing is computed
         * here). Returns the number of events that refused the field.
         */
        int writeHuntKeys(FilterMatchListener listener) {
            int failures = 0;
            int at = 0;
            for (int event = 0; event < batch.size(); event++) {
                Set<String> keys = new java.util.LinkedHashSet<>();
                keys.add(info.retroKeys().marker());
                // Occurrences are in event order.
                for (; at < occurrences.size() && occurrences.get(at).event == event; at++) {
                    String[] h = occurrences.get(at).hunt;
                    if (h != null) {
                        java.util.Collections.addAll(keys, h);
                    }
                }
                EventEdit edit = new EventEdit(List.of(), List.of(new FieldValue(info.retroKeys().field(), new ArrayList<>(keys))), List.of(), false);
                if (!apply(batch.get(event), edit, listener)) {
                    failures++;
                }
            }
            return failures;
        }

        /** Reads every configured field of every event; values the memory knows get their keys now. */
        void collect() {
            List<String> refs = fieldRefs;
            for (int i = 0; i < batch.size(); i++) {
                Event event = batch.get(i);
                for (int j = 0; j < refs.size(); j++) {
                    Object value = event.getField(refs.get(j));
                    if (value == null) {
                        continue;
                    }
                    if (value instanceof Collection<?> items) {
                        Set<String> seen = items.size() > 1 ? new HashSet<>() : null;
                        int n = 0;
                        for (Object item : items) {
                            if (item != null && ++n > limits.maxValuesPerField()) {
                                skipped++;
                                continue;
                            }
                            String raw = text(item);
                            if (raw != null && (seen == null || seen.add(raw))) {
                                add(i, j, raw);
                            } else if (raw == null && item != null) {
                                invalid++;
                            }
                        }
                    } else {
                        String raw = text(value);
                        if (raw != null) {
                            add(i, j, raw);
                        } else {
                            invalid++;
                        }
                    }
                }
            }
        }

        void add(int event, int field, String raw) {
            if (raw.length() > limits.maxValueLength()) {
                skipped++;
                return;
            }
            int datatype = datatypeOfField[field];
            String[] keys = remembered ? generation.get(datatype, raw) : null;
            String[] hunt = null;
            if (keys != null && hunting) {
                hunt = generation.hunt(datatype, raw);
                // Remembered without its hunt keys (a value with none has NOTHING): asked again.
                if (hunt == null) {
                    keys = null;
                }
            }
            if (keys == null) {
                Map<String, Integer> byValue = pending.get(datatype);
                if (byValue == null) {
                    byValue = LinkedHashMap.newLinkedHashMap(batch.size());
                    pending.set(datatype, byValue);
                }
                if (byValue.putIfAbsent(raw, byValue.size()) == null) {
                    newValues++;
                }
            }
            occurrences.add(new Occurrence(event, field, raw, keys, hunt));
        }

        /** Call 1: the keys of the values the memory does not hold, remembered for the next batches. */
        @SuppressWarnings("unchecked")
        void resolveNewValues() {
            WireRequest request = new WireRequest(64 + newValues * 24);
            request.addOptional(metaNow);
            for (int d = 0; d < pending.size(); d++) {
                Map<String, Integer> byValue = pending.get(d);
                if (byValue == null) {
                    continue;
                }
                request.add(datatypeNames.get(d)).add(byValue.size());
                for (String raw : byValue.keySet()) {
                    request.add(raw);
                }
            }
            // One line per value in the request's order; with retro_keys, the hunt keys' lines after.
            KeysAnswer answer = new KeysAnswer(core.keys(request.text()));
            String plan = answer.plan();
            List<String[]>[] answers = new List[pending.size()];
            List<String[]>[] huntAnswers = new List[pending.size()];
            for (int pass = 0; pass < (hunting ? 2 : 1); pass++) {
                for (int d = 0; d < pending.size(); d++) {
                    Map<String, Integer> byValue = pending.get(d);
                    if (byValue == null) {
                        continue;
                    }
                    List<String[]> keys = new ArrayList<>(byValue.size());
                    for (int i = 0; i < byValue.size(); i++) {
                        String[] k = answer.next();
                        keys.add(k == null ? (pass == 0 ? ValueMemory.INVALID : ValueMemory.NOTHING) : k.length == 0 ? ValueMemory.NOTHING : k);
                    }
                    if (pass == 0) {
                        answers[d] = keys;
                    } else {
                        huntAnswers[d] = keys;
                    }
                }
            }
            answer.requireDone();
            ValueMemory.Generation keep = memory.generationFor(generation, metaNow, plan);
            if (keep != null) {
                for (int d = 0; d < pending.size(); d++) {
                    Map<String, Integer> byValue = pending.get(d);
                    if (byValue != null) {
                        for (Map.Entry<String, Integer> e : byValue.entrySet()) {
                            keep.put(d, e.getKey(), answers[d].get(e.getValue()), hunting ? huntAnswers[d].get(e.getValue()) : null);
                        }
                    }
                }
            }
            for (Occurrence o : occurrences) {
                if (o.keys == null) {
                    int d = datatypeOfField[o.field];
                    int at = pending.get(d).get(o.raw);
                    o.keys = answers[d].get(at);
                    if (hunting) {
                        o.hunt = huntAnswers[d].get(at);
                    }
                }
            }
        }

        /** Calls 2 and 3, for the events with a value whose keys held something. */
        FinishResponse matchAndFinish(List<Occurrence> lookedUp, Map<String, String> found) {
            List<Occurrence> hit = new ArrayList<>();
            int events = 0;
            for (Occurrence o : lookedUp) {
                if (holdsAny(o.keys, found)) {
                    if (hit.isEmpty() || hit.get(hit.size() - 1).event != o.event) {
                        events++;
                    }
                    hit.add(o);
                }
            }
            int size = 64 + found.size() * 512;
            WireRequest request = new WireRequest(size);
            request.addOptional(metaNow).add(Instant.now().toString()).add(events);
            // Per event: its index, its number of values, then field index and value for each.
            for (int i = 0; i < hit.size(); ) {
                int event = hit.get(i).event;
                int j = i;
                while (j < hit.size() && hit.get(j).event == event) {
                    j++;
                }
                request.add(event).add(j - i);
                for (; i < j; i++) {
                    request.add(hit.get(i).field).add(hit.get(i).raw);
                }
            }
            for (Map.Entry<String, String> f : found.entrySet()) {
                request.add(f.getKey()).add(f.getValue());
            }
            MatchResponse match = MatchResponse.decode(Json.parse(core.match(request.text())));
            if (match.result() != null) {
                return match.result();
            }
            List<String> ids = match.eventIds();
            Map<String, String> fetched = contexts == null ? Map.of() : contexts.fetch(ids);
            WireRequest finish = new WireRequest(256);
            for (String id : ids) {
                // MISP's own text, as cached: the core reads a text once and remembers what it read.
                finish.add(id).addOptional(fetched.get(id));
            }
            return FinishResponse.decode(Json.parse(core.finish(finish.text())));
        }
    }

    /** The attributes that matched in the batch, to the hit recorder (counts only, never I/O). */
    private void recordHits(List<AttributeHit> attributes) {
        if (hits == null) {
            return;
        }
        for (AttributeHit hit : attributes) {
            hits.record(hit.uuid(), hit.eventId(), hit.events());
        }
    }

    private static boolean holdsAny(String[] keys, Map<String, String> found) {
        for (String k : keys) {
            if (found.containsKey(k)) {
                return true;
            }
        }
        return false;
    }

    private boolean apply(Event event, EventEdit edit, FilterMatchListener listener) {
        try {
            EventIo.apply(event, edit, listener);
            return true;
        } catch (RuntimeException e) {
            // One event whose fields conflict with the output (Logstash refuses to set
            // [threat][enrichments] when [threat] is a string) must not cost the others.
            String why = String.valueOf(e.getMessage());
            reporter.applyFailed(why.length() > 300 ? why.substring(0, 300) + "..." : why);
            try {
                for (String tag : applyFailureTags) {
                    event.tag(tag);
                }
            } catch (RuntimeException ignored) {
                // an event that refuses even a tag still passes on
            }
            return false;
        }
    }

    private void noteMeta(String value) {
        String previous = meta.getAndSet(value);
        if (value.isEmpty() && !"".equals(previous)) {
            reporter.noAgentData();
        }
    }

    /** The value as the core reads it: text, or null for what is not a string (counted as invalid). */
    private static String text(Object item) {
        if (item == null || item instanceof String) {
            return (String) item;
        }
        if (item instanceof Number || item instanceof Boolean || item instanceof Map<?, ?> || item instanceof Collection<?>
                || item instanceof Object[]) {
            return null;
        }
        // A Logstash Timestamp or another scalar wrapper: its string form, as users see it.
        return item.toString();
    }

    private static long count(long n) {
        return Math.max(0, n);
    }
}
