package io.mispenrich.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import co.elastic.logstash.api.Event;
import co.elastic.logstash.api.FilterMatchListener;

/**
 * What Logstash does when a filter calls filterMatched(event): the common options add_field,
 * remove_field, add_tag and remove_tag, in that order, with %{field} references expanded.
 */
final class CommonActions implements FilterMatchListener {

    private final Map<String, Object> addField;
    private final List<Object> addTag;
    private final List<Object> removeField;
    private final List<Object> removeTag;

    @SuppressWarnings("unchecked")
    CommonActions(Map<String, Object> settings) {
        this.addField = settings.get("add_field") instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
        this.addTag = listOf(settings.get("add_tag"));
        this.removeField = listOf(settings.get("remove_field"));
        this.removeTag = listOf(settings.get("remove_tag"));
    }

    private static List<Object> listOf(Object o) {
        if (o == null) {
            return List.of();
        }
        if (o instanceof List<?> l) {
            return new ArrayList<>(l);
        }
        return List.of(o);
    }

    @Override
    public void filterMatched(Event event) {
        try {
            for (Map.Entry<String, Object> e : addField.entrySet()) {
                String field = ref(event.sprintf(e.getKey()));
                for (Object v : listOf(e.getValue())) {
                    String value = event.sprintf(String.valueOf(v));
                    if (event.includes(field)) {
                        Object existing = event.getField(field);
                        List<Object> merged = new ArrayList<>();
                        if (existing instanceof List<?> l) {
                            merged.addAll(l);
                        } else {
                            merged.add(existing);
                        }
                        merged.add(value);
                        event.setField(field, merged);
                    } else {
                        event.setField(field, value);
                    }
                }
            }
            for (Object f : removeField) {
                event.remove(ref(event.sprintf(String.valueOf(f))));
            }
            for (Object t : addTag) {
                event.tag(event.sprintf(String.valueOf(t)));
            }
            if (!removeTag.isEmpty() && event.getField("tags") != null) {
                Object tags = event.getField("tags");
                List<Object> list = tags instanceof List<?> l ? new ArrayList<>(l) : new ArrayList<>(List.of(tags));
                for (Object t : removeTag) {
                    list.remove(event.sprintf(String.valueOf(t)));
                }
                event.setField("tags", list);
            }
        } catch (java.io.IOException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Logstash accepts both "name" and "[a][b]" in these options. */
    private static String ref(String s) {
        return s;
    }
}
