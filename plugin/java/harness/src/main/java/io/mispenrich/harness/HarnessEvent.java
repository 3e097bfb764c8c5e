package io.mispenrich.harness;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import co.elastic.logstash.api.Event;

/**
 * An Event with Logstash's observable behaviour: field references, @metadata kept apart from the
 * data, @timestamp (a timestamp) and @version ("1") added when missing, values normalized on the
 * way in (integers become Long, floats Double, containers are copied) and copied on the way out.
 */
final class HarnessEvent implements Event {

    static final String TIMESTAMP = "@timestamp";
    static final String VERSION = "@version";
    static final String TAGS = "tags";

    private final Map<String, Object> data;
    private final Map<String, Object> metadata;
    private boolean cancelled;

    HarnessEvent(Map<String, Object> fields) {
        this.data = new LinkedHashMap<>();
        this.metadata = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            if (e.getKey().equals(FieldReference.METADATA) && e.getValue() instanceof Map<?, ?> m) {
                for (Map.Entry<?, ?> me : m.entrySet()) {
                    metadata.put(String.valueOf(me.getKey()), normalize(me.getValue()));
                }
            } else {
                data.put(e.getKey(), normalize(e.getValue()));
            }
        }
        Object ts = data.get(TIMESTAMP);
        if (ts == null) {
            data.put(TIMESTAMP, Instant.now());
        } else if (!(ts instanceof Instant)) {
            try {
                data.put(TIMESTAMP, Instant.parse(String.valueOf(ts)));
            } catch (DateTimeParseException e) {
                // What Logstash does with an unparseable @timestamp.
                data.put(TIMESTAMP, Instant.now());
                data.put("_@timestamp", ts);
                tag("_timestampparsefailure");
            }
        }
        data.putIfAbsent(VERSION, "1");
    }

    /** Logstash's stored form of a value. */
    static Object normalize(Object v) {
        if (v == null || v instanceof String || v instanceof Long || v instanceof Double || v instanceof Boolean
                || v instanceof Instant || v instanceof BigInteger || v instanceof BigDecimal) {
            return v;
        }
        if (v instanceof Integer || v instanceof Short || v instanceof Byte) {
            return ((Number) v).longValue();
        }
        if (v instanceof Float f) {
            return f.doubleValue();
        }
        if (v instanceof Map<?, ?> m) {
            Map<String, Object> out = new LinkedHashMap<>();
            for (Map.Entry<?, ?> e : m.entrySet()) {
                out.put(String.valueOf(e.getKey()), normalize(e.getValue()));
            }
            return out;
        }
        if (v instanceof Collection<?> c) {
            List<Object> out = new ArrayList<>(c.size());
            for (Object o : c) {
                out.add(normalize(o));
            }
            return out;
        }
        if (v instanceof Object[] arr) {
            return normalize(List.of(arr));
        }
        if (v instanceof CharSequence s) {
            return s.toString();
        }
        throw new IllegalArgumentException("Missing Converter handling for full class name=" + v.getClass().getName());
    }

    private static Object copy(Object v) {
        return (v instanceof Map<?, ?> || v instanceof List<?>) ? normalize(v) : v;
    }

    @Override
    public Map<String, Object> getData() {
        return data;
    }

    @Override
    public Map<String, Object> getMetadata() {
        return metadata;
    }

    @Override
    public void cancel() {
        cancelled = true;
    }

    @Override
    public void uncancel() {
        cancelled = false;
    }

    @Override
    public boolean isCancelled() {
        return cancelled;
    }

    @Override
    public Instant getEventTimestamp() {
        Object ts = data.get(TIMESTAMP);
        return ts instanceof Instant i ? i : null;
    }

    @Override
    public void setEventTimestamp(Instant t) {
        data.put(TIMESTAMP, t);
    }

    @Override
    public Object getField(String reference) {
        return copy(getUnconvertedField(reference));
    }

    @Override
    public Object getUnconvertedField(String reference) {
        FieldReference ref = FieldReference.parse(reference);
        Object cur = ref.metadata() ? metadata : data;
        for (String seg : ref.path()) {
            cur = child(cur, seg);
            if (cur == null) {
                return null;
            }
        }
        return cur;
    }

    private static Object child(Object container, String seg) {
        if (container instanceof Map<?, ?> m) {
            return m.get(seg);
        }
        if (container instanceof List<?> l) {
            Integer i = index(seg, l.size());
            return i == null ? null : l.get(i);
        }
        return null;
    }

    private static Integer index(String seg, int size) {
        try {
            int i = Integer.parseInt(seg);
            if (i < 0) {
                i += size;
            }
            return i >= 0 && i < size ? i : null;
        } catch (NumberFormatException e) {
            return null;
        }
    }

    @Override
    @SuppressWarnings("unchecked")
    public void setField(String reference, Object value) {
        FieldReference ref = FieldReference.parse(reference);
        Object v = normalize(value);
        if (!ref.metadata() && ref.path().size() == 1 && ref.path().get(0).equals(TIMESTAMP) && !(v instanceof Instant)) {
            v = Instant.parse(String.valueOf(v));
        }
        Object cur = ref.metadata() ? metadata : data;
        if (ref.path().isEmpty()) {
            if (v instanceof Map<?, ?> m) {
                metadata.clear();
                metadata.putAll((Map<String, Object>) m);
            }
            return;
        }
        List<String> path = ref.path();
        for (int i = 0; i < path.size() - 1; i++) {
            String seg = path.get(i);
            Object next = child(cur, seg);
            if (next != null && !(next instanceof Map<?, ?>) && !(next instanceof List<?>)) {
                // Logstash's Accessors refuse this too (InvalidFieldSetException), rather than
                // replace a scalar by a map.
                throw new IllegalStateException("Could not set field '" + path.get(i + 1) + "' on object '" + next
                        + "' to value '" + v + "'. This is probably due to trying to set a field like [foo][bar] = someValue when [foo] is not either a map or a string");
            }
            if (next == null) {
                next = new LinkedHashMap<String, Object>();
                put(cur, seg, next);
            }
            cur = next;
        }
        put(cur, path.get(path.size() - 1), v);
    }

    @SuppressWarnings("unchecked")
    private static void put(Object container, String seg, Object value) {
        if (container instanceof Map<?, ?> m) {
            ((Map<String, Object>) m).put(seg, value);
        } else if (container instanceof List<?> l) {
            Integer i = index(seg, l.size());
            if (i != null) {
                ((List<Object>) l).set(i, value);
            } else if (seg.equals(Integer.toString(l.size()))) {
                ((List<Object>) l).add(value);
            } else {
                throw new IllegalArgumentException("Index out of bounds: " + seg);
            }
        }
    }

    @Override
    public boolean includes(String field) {
        FieldReference ref = FieldReference.parse(field);
        Object cur = ref.metadata() ? metadata : data;
        List<String> path = ref.path();
        for (int i = 0; i < path.size(); i++) {
            if (cur instanceof Map<?, ?> m) {
                if (!m.containsKey(path.get(i))) {
                    return false;
                }
                cur = m.get(path.get(i));
            } else if (cur instanceof List<?> l) {
                Integer idx = index(path.get(i), l.size());
                if (idx == null) {
                    return false;
                }
                cur = l.get(idx);
            } else {
                return false;
            }
        }
        return true;
    }

    @Override
    public Map<String, Object> toMap() {
        @SuppressWarnings("unchecked")
        Map<String, Object> out = (Map<String, Object>) normalize(data);
        return out;
    }

    @Override
    public Event overwrite(Event e) {
        data.clear();
        data.putAll(e.getData());
        metadata.clear();
        metadata.putAll(e.getMetadata());
        return this;
    }

    @Override
    public Event append(Event e) {
        for (Map.Entry<String, Object> f : e.getData().entrySet()) {
            data.putIfAbsent(f.getKey(), normalize(f.getValue()));
        }
        return this;
    }

    @Override
    public Object remove(String path) {
        FieldReference ref = FieldReference.parse(path);
        Object cur = ref.metadata() ? metadata : data;
        List<String> p = ref.path();
        if (p.isEmpty()) {
            return null;
        }
        for (int i = 0; i < p.size() - 1; i++) {
            cur = child(cur, p.get(i));
            if (cur == null) {
                return null;
            }
        }
        String last = p.get(p.size() - 1);
        if (cur instanceof Map<?, ?> m) {
            return m.remove(last);
        }
        if (cur instanceof List<?> l) {
            Integer i = index(last, l.size());
            return i == null ? null : l.remove((int) i);
        }
        return null;
    }

    private static final Pattern SPRINTF = Pattern.compile("%\\{([^}]+)\\}");

    @Override
    public String sprintf(String s) {
        if (s.indexOf("%{") < 0) {
            return s;
        }
        Matcher m = SPRINTF.matcher(s);
        StringBuilder out = new StringBuilder();
        while (m.find()) {
            String ref = m.group(1);
            Object v = ref.equals("+%s") ? getEventTimestamp().getEpochSecond() : getField(ref.startsWith("[") ? ref : "[" + ref + "]");
            String text;
            if (v == null) {
                text = m.group(0);
            } else if (v instanceof List<?> || v instanceof Map<?, ?>) {
                text = v instanceof List<?> l ? String.join(",", l.stream().map(String::valueOf).toList()) : Ndjson.write(v);
            } else if (v instanceof Instant i) {
                text = Ndjson.timestamp(i);
            } else {
                text = String.valueOf(v);
            }
            m.appendReplacement(out, Matcher.quoteReplacement(text));
        }
        m.appendTail(out);
        return out.toString();
    }

    @Override
    @SuppressWarnings("unchecked")
    public Event clone() {
        Map<String, Object> copy = (Map<String, Object>) normalize(data);
        copy.put(FieldReference.METADATA, normalize(metadata));
        HarnessEvent e = new HarnessEvent(copy);
        e.cancelled = cancelled;
        return e;
    }

    @Override
    public String toString() {
        Object host = data.get("host");
        Object message = data.get("message");
        return Ndjson.timestamp(getEventTimestamp()) + " " + (host == null ? "%{host}" : host) + " "
                + (message == null ? "%{message}" : message);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void tag(String tag) {
        Object tags = data.get(TAGS);
        if (tags == null) {
            List<Object> list = new ArrayList<>();
            list.add(tag);
            data.put(TAGS, list);
        } else if (tags instanceof List<?> l) {
            if (!l.contains(tag)) {
                ((List<Object>) l).add(tag);
            }
        } else if (!tags.equals(tag)) {
            List<Object> list = new ArrayList<>();
            list.add(tags);
            list.add(tag);
            data.put(TAGS, list);
        }
    }
}
