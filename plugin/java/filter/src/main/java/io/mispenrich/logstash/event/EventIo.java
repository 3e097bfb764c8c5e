package io.mispenrich.logstash.event;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import co.elastic.logstash.api.Event;
import co.elastic.logstash.api.FilterMatchListener;

/** Writes the core's edits into events, as plugin/core/protocol.ts (EventEdit) says. */
public final class EventIo {

    private EventIo() {
    }

    /** Applies one EventEdit (see plugin/core/protocol.ts). Returns true if the event matched. */
    @SuppressWarnings("unchecked")
    public static boolean apply(Event event, Map<String, Object> change, FilterMatchListener listener) {
        Object append = change.get("append");
        if (append instanceof List<?> pairs) {
            for (Object pair : pairs) {
                if (pair instanceof List<?> p && p.size() == 2 && p.get(0) instanceof String ref && p.get(1) instanceof List<?> values) {
                    Object existing = event.getField(ref);
                    List<Object> merged = new ArrayList<>();
                    if (existing instanceof List<?> l) {
                        merged.addAll(l);
                    } else if (existing != null) {
                        merged.add(existing);
                    }
                    merged.addAll((List<Object>) values);
                    event.setField(ref, merged);
                    // Logstash's Accessors silently ignore a write under a list ([threat] holding
                    // an array): check that the enrichment is there before calling it matched.
                    // (includes, not getField: Logstash's getField returns a deep copy.)
                    if (!event.includes(ref)) {
                        throw new IllegalStateException("Logstash did not keep " + ref + " in this event (its parent is not an object)");
                    }
                }
            }
        }
        Object set = change.get("set");
        if (set instanceof List<?> pairs) {
            for (Object pair : pairs) {
                if (pair instanceof List<?> p && p.size() == 2 && p.get(0) instanceof String ref) {
                    event.setField(ref, p.get(1));
                    if (!event.includes(ref)) {
                        throw new IllegalStateException("Logstash did not keep " + ref + " in this event (its parent is not an object)");
                    }
                }
            }
        }
        Object tags = change.get("tags");
        if (tags instanceof List<?> list) {
            for (Object t : list) {
                if (t instanceof String tag) {
                    event.tag(tag);
                }
            }
        }
        boolean matched = Boolean.TRUE.equals(change.get("matched"));
        if (matched) {
            listener.filterMatched(event);
        }
        return matched;
    }
}
