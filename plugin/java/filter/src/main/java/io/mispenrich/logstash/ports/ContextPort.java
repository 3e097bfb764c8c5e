package io.mispenrich.logstash.ports;

import java.util.List;
import java.util.Map;

/** MISP event context for the hits of a batch, by MISP event id. */
public interface ContextPort extends AutoCloseable {

    /**
     * For each id, the JSON text of the event as MISP sent it ({"Event": {...}}), or null when it
     * could not be fetched. Waits a bounded time and never throws.
     */
    Map<String, String> fetch(List<String> eventIds);

    @Override
    void close();
}
