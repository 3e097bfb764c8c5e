package io.mispenrich.logstash.event;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

import co.elastic.logstash.api.Event;
import co.elastic.logstash.api.FilterMatchListener;

/** Reads the configured fields from events and writes the core's changes back, as the protocol says. */
public final class EventIo {

    private EventIo() {
    }

    /** BeginRequest.events: row i holds event i's value of each field reference (null when unset). */
    public static List<List<Object>> readFields(List<Event> events, List<String> fieldRefs) {
        List<List<Object>> rows = new ArrayList<>(events.size());
        for (Event e : events) {
            List<Object> row = new ArrayList<>(fieldRefs.size());
            for (String ref : fieldRefs) {
                row.add(plain(e.getField(ref)));
            }
            rows.add(row);
        }
        return rows;
    }

    /** Keeps JSON-shaped values; anything else (e.g. a Logstash Timestamp) as its string form. */
    private static Object plain(Object v) {
        if (v == null || v instanceof String || v instanceof Number || v instanceof Boolean
                || v instanceof Map<?, ?> || v instanceof Collection<?>) {
            return v;
        }
        return v.toString();
    }

    /** Applies one EventChange (see plugin/core/protocol.ts). Returns true if the event matched. */
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
                }
            }
        }
        Object set = change.get("set");
        if (set instanceof List<?> pairs) {
            for (Object pair : pairs) {
                if (pair instanceof List<?> p && p.size() == 2 && p.get(0) instanceof String ref) {
                    event.setField(ref, p.get(1));
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
