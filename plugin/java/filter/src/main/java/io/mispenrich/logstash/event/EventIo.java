package io.mispenrich.logstash.event;

import java.util.ArrayList;
import java.util.List;

import co.elastic.logstash.api.Event;
import co.elastic.logstash.api.FilterMatchListener;
import io.mispenrich.logstash.contract.CoreAnswers.EventEdit;
import io.mispenrich.logstash.contract.CoreAnswers.FieldValue;
import io.mispenrich.logstash.contract.CoreAnswers.FieldValues;

/** Writes the core's edits into events, as the contract's EventEdit says. */
public final class EventIo {

    private EventIo() {
    }

    /** Applies one EventEdit. Returns true if the event matched. */
    public static boolean apply(Event event, EventEdit edit, FilterMatchListener listener) {
        for (FieldValues append : edit.append()) {
            String ref = append.fieldRef();
            Object existing = event.getField(ref);
            List<Object> merged = new ArrayList<>();
            if (existing instanceof List<?> l) {
                merged.addAll(l);
            } else if (existing != null) {
                merged.add(existing);
            }
            merged.addAll(append.values());
            event.setField(ref, merged);
            // Logstash's Accessors silently ignore a write under a list ([threat] holding an
            // array): check that the enrichment is there before calling it matched.
            // (includes, not getField: Logstash's getField returns a deep copy.)
            kept(event, ref);
        }
        for (FieldValue set : edit.set()) {
            event.setField(set.fieldRef(), set.value());
            kept(event, set.fieldRef());
        }
        for (String tag : edit.tags()) {
            event.tag(tag);
        }
        if (edit.matched()) {
            listener.filterMatched(event);
        }
        return edit.matched();
    }

    private static void kept(Event event, String ref) {
        if (!event.includes(ref)) {
            throw new IllegalStateException("Logstash did not keep " + ref + " in this event (its parent is not an object)");
        }
    }
}
