package io.mispenrich.logstash.sightings;

/**
 * Where the batch enricher reports the MISP attributes that hit (the core's finish result names
 * them, plugin/core/protocol.ts AttributeHit). Called on pipeline worker threads: it must never
 * block, wait on I/O or throw.
 */
public interface HitRecorder {
    /**
     * @param attributeUuid the MISP attribute that matched
     * @param eventId       its MISP event id
     * @param events        how many events of the batch it matched
     */
    void record(String attributeUuid, String eventId, long events);
}
