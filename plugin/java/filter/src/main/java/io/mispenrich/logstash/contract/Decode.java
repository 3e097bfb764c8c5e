package io.mispenrich.logstash.contract;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

import io.mispenrich.logstash.log.ErrorCode;

/**
 * What the generated decoders of {@link CoreAnswers} read a parsed JSON tree ({@code Json.parse}:
 * Map, List, String, Long, BigInteger, Double, Boolean, null) with. Each checks one value's shape and names
 * the message and field when it is not what the contract declares: a PROTOCOL error (the core and
 * the shell disagree), never a ClassCastException. {@code where} is a constant the generator
 * writes, so a well-formed answer costs no text building.
 */
final class Decode {

    private Decode() {
    }

    /** The value when it is of this type, else the PROTOCOL error saying what was expected. */
    private static <T> T as(Class<T> type, String expected, Object json, String where) {
        if (type.isInstance(json)) {
            return type.cast(json);
        }
        throw wrong(where, expected, json);
    }

    static Map<?, ?> object(Object json, String where) {
        return as(Map.class, "an object", json, where);
    }

    /** A JSON array read by position, of exactly this size. */
    static List<?> tuple(Object json, int size, String where) {
        if (json instanceof List<?> l && l.size() == size) {
            return l;
        }
        throw wrong(where, "an array of " + size, json);
    }

    static String string(Object json, String where) {
        return as(String.class, "a string", json, where);
    }

    static String nullableString(Object json, String where) {
        return json == null ? null : string(json, where);
    }

    static boolean bool(Object json, String where) {
        return as(Boolean.class, "true or false", json, where);
    }

    static Boolean nullableBool(Object json, String where) {
        return json == null ? null : bool(json, where);
    }

    static long longValue(Object json, String where) {
        return as(Long.class, "a whole number", json, where);
    }

    /** An optional number: 0 when absent. */
    static long optionalLong(Object json, String where) {
        return json == null ? 0 : longValue(json, where);
    }

    static int intValue(Object json, String where) {
        long n = longValue(json, where);
        if (n < Integer.MIN_VALUE || n > Integer.MAX_VALUE) {
            throw wrong(where, "a number of int range", json);
        }
        return (int) n;
    }

    /** A list of any JSON values: the parsed list itself, not a copy. */
    @SuppressWarnings("unchecked")
    static List<Object> jsonList(Object json, String where) {
        return as(List.class, "an array", json, where);
    }

    /** A list of strings: the parsed list itself once each element is checked. */
    @SuppressWarnings("unchecked")
    static List<String> strings(Object json, String where) {
        List<Object> l = jsonList(json, where);
        for (Object o : l) {
            string(o, where);
        }
        return (List<String>) (List<?>) l;
    }

    static <T> List<T> list(Object json, String where, Function<Object, T> element) {
        List<Object> l = jsonList(json, where);
        List<T> out = new ArrayList<>(l.size());
        for (Object o : l) {
            out.add(element.apply(o));
        }
        return out;
    }

    private static IllegalStateException wrong(String where, String expected, Object got) {
        String kind = got == null ? "null" : got instanceof Map ? "an object" : got instanceof List ? "an array" : got instanceof String ? "a string"
                : got instanceof Boolean ? "true or false" : got instanceof Long || got instanceof java.math.BigInteger ? "a whole number" : "a number";
        return new IllegalStateException(ErrorCode.PROTOCOL.say("the core's answer does not have the contract's shape: " + where
                + " should be " + expected + ", is " + kind));
    }
}
