package io.mispenrich.harness;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Values as a Logstash event stores them (its Valuefier): integers become Long (BigInteger past
 * 64 bits), floats Double, containers are copied, and text becomes a Ruby string in UTF-8. An
 * unpaired UTF-16 surrogate cannot be written in UTF-8, and JRuby (10.0.6.0, Logstash 9.6's) then
 * does one of two things, by the text's length: up to 1,024 characters the text ends where the
 * surrogate was (Logstash keeps "x" of "x\ud800y"), longer texts get '?' in its place. The
 * stand-in does the same.
 */
final class Values {

    private Values() {
    }

    static Object normalize(Object v) {
        if (v instanceof String s) {
            return text(s);
        }
        if (v == null || v instanceof Long || v instanceof Double || v instanceof Boolean
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
            return text(s.toString());
        }
        throw new IllegalArgumentException("Missing Converter handling for full class name=" + v.getClass().getName());
    }

    /** Longest text JRuby encodes with its own loop (which stops at an unpaired surrogate). */
    static final int SHORT_TEXT = 1024;

    /** The text as Logstash's Ruby string conversion leaves it (see the class comment). */
    static String text(String s) {
        StringBuilder replaced = null;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (Character.isHighSurrogate(c) && i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1))) {
                i++;
            } else if (Character.isSurrogate(c)) {
                if (s.length() <= SHORT_TEXT) {
                    return s.substring(0, i);
                }
                if (replaced == null) {
                    replaced = new StringBuilder(s);
                }
                replaced.setCharAt(i, '?');
            }
        }
        return replaced == null ? s : replaced.toString();
    }

    /** A deep copy of a container, as getField hands one out; scalars as they are. */
    static Object copy(Object v) {
        return (v instanceof Map<?, ?> || v instanceof List<?>) ? normalize(v) : v;
    }
}
