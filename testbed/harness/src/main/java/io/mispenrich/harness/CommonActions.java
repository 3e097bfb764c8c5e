package io.mispenrich.harness;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

import co.elastic.logstash.api.Event;
import co.elastic.logstash.api.FilterMatchListener;

/**
 * What Logstash does when a Java filter calls filterMatched(event) (its JavaFilterDelegatorExt's
 * listener): the common options add_field, add_tag, remove_field and remove_tag, with %{...}
 * references expanded, applied in the order Logstash happens to apply them: the iteration order of
 * the HashMap it builds from the plugin's options (not the order the Ruby filters use). Their
 * rules, as Logstash's:
 * <ul>
 * <li>add_field: a text value is interpolated, any other value is set as it is; a field already
 * holding a list gets the value appended, a field holding anything else becomes [old, new];</li>
 * <li>remove_tag: only when [tags] is a non-empty list.</li>
 * </ul>
 */
final class CommonActions implements FilterMatchListener {

    private final List<Consumer<Event>> actions = new ArrayList<>();

    @SuppressWarnings("unchecked")
    CommonActions(Map<String, Object> settings) {
        // The options as Logstash's plugin factory holds them: a HashMap built from a HashMap.
        Map<String, Object> options = new HashMap<>();
        settings.forEach(options::put);
        for (Map.Entry<String, Object> e : new HashMap<>(options).entrySet()) {
            Object v = e.getValue();
            switch (e.getKey()) {
                case "add_field" -> actions.add(event -> addField(event, (Map<String, Object>) v));
                case "add_tag" -> actions.add(event -> addTag(event, (List<Object>) v));
                case "remove_field" -> actions.add(event -> removeField(event, (List<Object>) v));
                case "remove_tag" -> actions.add(event -> removeTag(event, (List<Object>) v));
                default -> {
                    // not a common action
                }
            }
        }
    }

    @Override
    public void filterMatched(Event event) {
        for (Consumer<Event> action : actions) {
            action.accept(event);
        }
    }

    @SuppressWarnings("unchecked")
    private static void addField(Event event, Map<String, Object> fields) {
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            String field = sprintf(event, e.getKey());
            Object value = e.getValue() instanceof String s ? sprintf(event, s) : e.getValue();
            Object existing = event.getField(field);
            if (existing == null) {
                event.setField(field, value);
            } else if (existing instanceof List<?> l) {
                ((List<Object>) l).add(value);
                event.setField(field, l);
            } else {
                List<Object> both = new ArrayList<>();
                both.add(existing);
                both.add(value);
                event.setField(field, both);
            }
        }
    }

    private static void addTag(Event event, List<Object> tags) {
        for (Object t : tags) {
            event.tag(sprintf(event, t.toString()));
        }
    }

    private static void removeField(Event event, List<Object> fields) {
        for (Object f : fields) {
            event.remove(sprintf(event, f.toString()));
        }
    }

    @SuppressWarnings("unchecked")
    private static void removeTag(Event event, List<Object> tags) {
        if (event.getField("tags") instanceof List<?> l && !l.isEmpty()) {
            List<Object> current = (List<Object>) l;
            for (Object t : tags) {
                current.remove(sprintf(event, t.toString()));
            }
            event.setField("tags", current);
        }
    }

    private static String sprintf(Event event, String s) {
        try {
            return event.sprintf(s);
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
