package io.mispenrich.harness;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Logstash field-reference syntax: "[a][b][0]" is a path, a bare "a" (no brackets) is the
 * top-level field named "a" (dots included). "[@metadata]..." addresses the event's metadata.
 */
record FieldReference(boolean metadata, List<String> path) {

    static final String METADATA = "@metadata";
    /** Parsed references, as Logstash's FieldReference keeps them (a pipeline names few fields). */
    private static final ConcurrentHashMap<String, FieldReference> CACHE = new ConcurrentHashMap<>();
    private static final int CACHE_LIMIT = 10_000;

    static FieldReference parse(String ref) {
        FieldReference cached = ref == null ? null : CACHE.get(ref);
        if (cached != null) {
            return cached;
        }
        FieldReference parsed = parseUncached(ref);
        if (CACHE.size() < CACHE_LIMIT) {
            CACHE.put(ref, parsed);
        }
        return parsed;
    }

    private static FieldReference parseUncached(String ref) {
        if (ref == null || ref.isEmpty()) {
            throw new IllegalArgumentException("empty field reference");
        }
        List<String> segments = new ArrayList<>();
        if (ref.charAt(0) != '[') {
            if (ref.indexOf('[') >= 0 || ref.indexOf(']') >= 0) {
                throw new IllegalArgumentException("Invalid FieldReference: `" + ref + "`");
            }
            segments.add(ref);
        } else {
            int i = 0;
            while (i < ref.length()) {
                if (ref.charAt(i) != '[') {
                    throw new IllegalArgumentException("Invalid FieldReference: `" + ref + "`");
                }
                int end = ref.indexOf(']', i);
                if (end < 0 || end == i + 1 || ref.substring(i + 1, end).indexOf('[') >= 0) {
                    throw new IllegalArgumentException("Invalid FieldReference: `" + ref + "`");
                }
                segments.add(ref.substring(i + 1, end));
                i = end + 1;
            }
        }
        if (segments.get(0).equals(METADATA)) {
            return new FieldReference(true, List.copyOf(segments.subList(1, segments.size())));
        }
        return new FieldReference(false, List.copyOf(segments));
    }
}
