package io.mispenrich.logstash.wire;

import io.mispenrich.logstash.log.ErrorCode;
import java.util.ArrayList;
import java.util.List;

/**
 * The core's answer to a keys request (plugin/core/wire.ts): one JSON array, the plan first, then
 * each value's keys (an array of strings, or null for a value that does not parse) in the
 * request's order. Read by a reader of exactly that shape, one value at a time: keys are
 * printable ASCII without spaces by the core's construction, so the only escapes a key can hold
 * are \" and \\. Anything else is a protocol error.
 */
public final class KeysAnswer {

    /** The keys of a value with nothing to look up. */
    public static final String[] NONE = new String[0];

    private final String text;
    private final String plan;
    private int at;
    /**
     * Where the next backslash is (at or after the string being read), or -1 for none: found once
     * and again only when read past, so a batch's keys cost one scan of the answer, not one each.
     */
    private int backslash;

    public KeysAnswer(String text) {
        this.text = text;
        this.backslash = text.indexOf('\\');
        expect('[');
        this.plan = string();
    }

    public String plan() {
        return plan;
    }

    /** The next value's keys: {@link #NONE} for nothing to look up, null for a value that does not parse. */
    public String[] next() {
        expect(',');
        if (text.startsWith("null", at)) {
            at += 4;
            return null;
        }
        expect('[');
        if (peek() == ']') {
            at++;
            return NONE;
        }
        List<String> keys = new ArrayList<>(8);
        while (true) {
            keys.add(string());
            char c = take();
            if (c == ']') {
                return keys.toArray(NONE);
            }
            if (c != ',') {
                throw error("a ',' or ']' between keys");
            }
        }
    }

    /** Throws unless every value's keys were read. */
    public void requireDone() {
        expect(']');
        if (at != text.length()) {
            throw error("its end");
        }
    }

    private String string() {
        expect('"');
        int start = at;
        int end = text.indexOf('"', start);
        if (backslash >= 0 && backslash < start) {
            backslash = text.indexOf('\\', start);
        }
        if (end < 0) {
            throw error("the end of a string");
        }
        if (backslash < 0 || backslash > end) {
            at = end + 1;
            return text.substring(start, end);
        }
        StringBuilder out = new StringBuilder(end - start + 8);
        while (true) {
            char c = take();
            if (c == '"') {
                return out.toString();
            }
            if (c == '\\') {
                char e = take();
                if (e != '"' && e != '\\') {
                    throw error("\\\" or \\\\ (a key holds no other escape)");
                }
                c = e;
            }
            out.append(c);
        }
    }

    private char peek() {
        if (at >= text.length()) {
            throw error("more text");
        }
        return text.charAt(at);
    }

    private char take() {
        char c = peek();
        at++;
        return c;
    }

    private void expect(char c) {
        if (take() != c) {
            throw error("'" + c + "'");
        }
    }

    private IllegalStateException error(String expected) {
        return new IllegalStateException(ErrorCode.PROTOCOL.say("the core's keys answer is not what the request asked for: expected ") + expected
                + " at " + (at - 1));
    }
}
