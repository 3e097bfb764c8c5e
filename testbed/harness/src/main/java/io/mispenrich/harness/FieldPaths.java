package io.mispenrich.harness;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes a path of a field reference inside an event's maps and lists, by the rules of
 * Logstash's Accessors:
 * <ul>
 * <li>a list is indexed by a number (negative from the end); a segment that is not a number, or an
 * index outside the list, reads as nothing;</li>
 * <li>writing creates the maps that are missing; a write under a list with a segment that is not
 * a number is silently dropped (no error, nothing written: {@code [threat][enrichments]} when
 * {@code [threat]} is a list), an index past the end pads the list with nulls;</li>
 * <li>writing under a value that is neither a map nor a list fails (when {@code [threat]} is a
 * string).</li>
 * </ul>
 */
final class FieldPaths {

    private FieldPaths() {
    }

    static Object get(Map<String, Object> root, List<String> path) {
        Object parent = parent(root, path);
        return parent == null ? null : child(parent, path.get(path.size() - 1));
    }

    static boolean includes(Map<String, Object> root, List<String> path) {
        Object parent = parent(root, path);
        String key = path.get(path.size() - 1);
        if (parent instanceof Map<?, ?> m) {
            return m.containsKey(key);
        }
        return parent instanceof List<?> && child(parent, key) != null;
    }

    @SuppressWarnings("unchecked")
    static Object remove(Map<String, Object> root, List<String> path) {
        Object parent = parent(root, path);
        String key = path.get(path.size() - 1);
        if (parent instanceof Map<?, ?> m) {
            return ((Map<String, Object>) m).remove(key);
        }
        if (parent instanceof List<?> l) {
            Integer i = index(key, l.size());
            return i == null || i < 0 || i >= l.size() ? null : ((List<Object>) l).remove((int) i);
        }
        return null;
    }

    static void set(Map<String, Object> root, List<String> path, Object value) {
        Object target = root;
        boolean creating = false;
        for (int i = 0; i < path.size() - 1; i++) {
            String seg = path.get(i);
            Object next = creating ? null : childForWrite(target, seg, value);
            if (next == null) {
                next = new LinkedHashMap<String, Object>();
                put(target, seg, next, value);
                creating = true;
            }
            target = next;
        }
        put(target, path.get(path.size() - 1), value, value);
    }

    /** The container holding the last segment, or null when the path crosses anything else. */
    private static Object parent(Map<String, Object> root, List<String> path) {
        Object target = root;
        for (int i = 0; i < path.size() - 1; i++) {
            target = child(target, path.get(i));
            if (!(target instanceof Map<?, ?>) && !(target instanceof List<?>)) {
                return null;
            }
        }
        return target;
    }

    private static Object child(Object container, String seg) {
        if (container instanceof Map<?, ?> m) {
            return m.get(seg);
        }
        if (container instanceof List<?> l) {
            Integer i = index(seg, l.size());
            return i == null || i < 0 || i >= l.size() ? null : l.get(i);
        }
        return null;
    }

    /** Walking down to write: Logstash cannot walk through a scalar either (it fails). */
    private static Object childForWrite(Object container, String seg, Object value) {
        if (container instanceof Map<?, ?> || container instanceof List<?>) {
            return child(container, seg);
        }
        throw refused(container, seg, value);
    }

    @SuppressWarnings("unchecked")
    private static void put(Object container, String seg, Object item, Object value) {
        if (container instanceof Map<?, ?> m) {
            ((Map<String, Object>) m).put(seg, item);
        } else if (container instanceof List<?> l) {
            Integer i;
            try {
                i = Integer.parseInt(seg);
            } catch (NumberFormatException e) {
                return; // silently dropped, as Logstash does
            }
            List<Object> list = (List<Object>) l;
            if (i >= list.size()) {
                while (list.size() < i) {
                    list.add(null);
                }
                list.add(item);
            } else {
                list.set(i < 0 ? list.size() + i : i, item);
            }
        } else {
            throw refused(container, seg, value);
        }
    }

    private static IllegalStateException refused(Object target, String key, Object value) {
        return new IllegalStateException("Could not set field '" + key + "' on object '" + target + "' to value '" + value
                + "'.This is probably due to trying to set a field like [foo][bar] = someValue"
                + "when [foo] is not either a map or a string");
    }

    /** A list index (negative counts from the end), or null when the segment is not a number. */
    private static Integer index(String seg, int size) {
        try {
            int i = Integer.parseInt(seg);
            return i < 0 ? size + i : i;
        } catch (NumberFormatException e) {
            return null;
        }
    }
}
