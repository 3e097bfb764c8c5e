package io.mispenrich.logstash.sightings;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.LongSupplier;

/**
 * Hits counted per MISP attribute between two reports, in bounded memory: at most
 * sightings_max_attributes attributes are counted at once; hits on others are dropped and counted
 * as dropped until the next report empties the tally. Each record is a few map operations under
 * the map's own per-bin lock, so pipeline workers never wait on each other for long, and never
 * on the sender.
 */
public final class SightingTally implements HitRecorder {

    /** What was counted for one attribute since the last report. */
    public record Count(String attributeUuid, String eventId, long hits, long lastSeconds) {
    }

    private final ConcurrentHashMap<String, Count> counts = new ConcurrentHashMap<>();
    private final int maxAttributes;
    private final LongSupplier clockSeconds;
    private final LongAdder dropped = new LongAdder();

    public SightingTally(int maxAttributes, LongSupplier clockSeconds) {
        this.maxAttributes = maxAttributes;
        this.clockSeconds = clockSeconds;
    }

    @Override
    public void record(String attributeUuid, String eventId, long events) {
        if (attributeUuid == null || eventId == null || events <= 0) {
            return;
        }
        long now = clockSeconds.getAsLong();
        // The size check is approximate under concurrency (a few over the bound at most), which
        // keeps record() free of a global lock.
        if (!counts.containsKey(attributeUuid) && counts.size() >= maxAttributes) {
            dropped.add(events);
            return;
        }
        counts.merge(attributeUuid, new Count(attributeUuid, eventId, events, now),
                (a, b) -> new Count(a.attributeUuid(), a.eventId(), a.hits() + b.hits(), Math.max(a.lastSeconds(), b.lastSeconds())));
    }

    /** Everything counted so far, leaving the tally empty; each entry is taken atomically. */
    public List<Count> drain() {
        List<Count> out = new ArrayList<>(counts.size());
        for (String key : counts.keySet()) {
            Count c = counts.remove(key);
            if (c != null) {
                out.add(c);
            }
        }
        return out;
    }

    /** Hits not counted because the tally was full, since the last call. */
    public long takeDropped() {
        return dropped.sumThenReset();
    }
}
