package io.mispenrich.harness;

import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import co.elastic.logstash.api.Event;

/**
 * An Event with Logstash's observable behaviour: field references read and written by the rules
 * of its Accessors (FieldPaths), @metadata kept apart from the data, values stored as it stores
 * them (Values), @timestamp read as it reads it (Timestamps: "2026-11-01" is midnight) and added
 * when missing, @version "1" added when missing, tags that are not text moved to _tags with
 * _tagsparsefailure, and %{...} references (Interpolation).
 */
final class HarnessEvent implements Event {

    static final String TIMESTAMP = "@timestamp";
    static final String VERSION = "@version";
    static final String TAGS = "tags";
    static final String TAGS_FAILURE_FIELD = "_tags";
    static final String TAGS_FAILURE_TAG = "_tagsparsefailure";
    static final String TIMESTAMP_FAILURE_FIELD = "_@timestamp";
    static final String TIMESTAMP_FAILURE_TAG = "_timestampparsefailure";

    private final Map<String, Object> data;
    private final Map<String, Object> metadata;
    private boolean cancelled;

    /** @throws IllegalArgumentException when @metadata is not a map (Logstash cannot build that event) */
    HarnessEvent(Map<String, Object> fields) {
        this.data = new LinkedHashMap<>();
        this.metadata = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : fields.entrySet()) {
            if (e.getKey().equals(FieldReference.METADATA)) {
                if (!(e.getValue() instanceof Map<?, ?> m)) {
                    throw new IllegalArgumentException("@metadata must be a map");
                }
                for (Map.Entry<?, ?> me : m.entrySet()) {
                    metadata.put(String.valueOf(me.getKey()), Values.normalize(me.getValue()));
                }
            } else {
                data.put(e.getKey(), Values.normalize(e.getValue()));
            }
        }
        data.putIfAbsent(VERSION, "1");
        Object tags = data.get(TAGS);
        if (!legalTags(tags)) {
            data.put(TAGS_FAILURE_FIELD, new ArrayList<>(java.util.Collections.singletonList(tags)));
            data.put(TAGS, new ArrayList<>(List.of(TAGS_FAILURE_TAG)));
        }
        Object ts = data.get(TIMESTAMP);
        Instant parsed = ts == null ? Instant.now() : Timestamps.parse(ts);
        data.put(TIMESTAMP, parsed == null ? Instant.now() : parsed);
        if (parsed == null) {
            tag(TIMESTAMP_FAILURE_TAG);
            data.put(TIMESTAMP_FAILURE_FIELD, ts);
        }
    }

    /** Text, or a list of texts, or nothing: anything else in [tags] is moved to [_tags]. */
    private static boolean legalTags(Object tags) {
        if (tags == null || tags instanceof String) {
            return true;
        }
        if (tags instanceof List<?> l) {
            return l.stream().allMatch(t -> t instanceof String);
        }
        return false;
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
        return Values.copy(getUnconvertedField(reference));
    }

    @Override
    public Object getUnconvertedField(String reference) {
        FieldReference ref = FieldReference.parse(reference);
        if (ref.path().isEmpty()) {
            return ref.metadata() ? metadata : null;
        }
        return FieldPaths.get(ref.metadata() ? metadata : data, ref.path());
    }

    /**
     * @throws IllegalStateException where Logstash refuses the write (under a string, or [tags]
     *                               set to anything but text or a list of texts)
     */
    @Override
    @SuppressWarnings("unchecked")
    public void setField(String reference, Object value) {
        FieldReference ref = FieldReference.parse(reference);
        Object v = Values.normalize(value);
        if (ref.path().isEmpty()) {
            if (ref.metadata() && v instanceof Map<?, ?> m) {
                metadata.clear();
                metadata.putAll((Map<String, Object>) m);
            }
            return;
        }
        if (!ref.metadata() && ref.path().get(0).equals(TAGS) && (ref.path().size() > 1 || !legalTags(v))) {
            throw new IllegalStateException("Invalid tags type: " + reference + " => " + v);
        }
        if (!ref.metadata() && ref.path().size() == 1 && ref.path().get(0).equals(TIMESTAMP) && !(v instanceof Instant)) {
            v = Timestamps.parse(v);
            if (v == null) {
                throw new IllegalStateException("Invalid @timestamp: " + value);
            }
        }
        FieldPaths.set(ref.metadata() ? metadata : data, ref.path(), v);
    }

    @Override
    public boolean includes(String field) {
        FieldReference ref = FieldReference.parse(field);
        if (ref.path().isEmpty()) {
            return ref.metadata();
        }
        return FieldPaths.includes(ref.metadata() ? metadata : data, ref.path());
    }

    @Override
    public Map<String, Object> toMap() {
        @SuppressWarnings("unchecked")
        Map<String, Object> out = (Map<String, Object>) Values.normalize(data);
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
            data.putIfAbsent(f.getKey(), Values.normalize(f.getValue()));
        }
        return this;
    }

    @Override
    public Object remove(String path) {
        FieldReference ref = FieldReference.parse(path);
        if (ref.path().isEmpty()) {
            if (!ref.metadata()) {
                return null;
            }
            Map<String, Object> old = new LinkedHashMap<>(metadata);
            metadata.clear();
            return old;
        }
        return FieldPaths.remove(ref.metadata() ? metadata : data, ref.path());
    }

    @Override
    public String sprintf(String s) {
        return Interpolation.evaluate(this, s);
    }

    @Override
    @SuppressWarnings("unchecked")
    public Event clone() {
        Map<String, Object> copy = (Map<String, Object>) Values.normalize(data);
        copy.put(FieldReference.METADATA, Values.normalize(metadata));
        HarnessEvent e = new HarnessEvent(copy);
        e.cancelled = cancelled;
        return e;
    }

    @Override
    public String toString() {
        Object host = data.get("host");
        Object message = data.get("message");
        return Timestamps.print(getEventTimestamp()) + " " + (host == null ? "%{host}" : host) + " "
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
