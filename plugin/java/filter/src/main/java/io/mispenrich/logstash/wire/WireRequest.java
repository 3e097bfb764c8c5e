package io.mispenrich.logstash.wire;

/**
 * A per-batch request to the core in its flat wire text (plugin/core/wire.ts): items separated
 * by {@link #SEP}, a header first that says whether any item was escaped. Log text may hold any
 * character, so every item is checked for the separator and the escape character (both found by
 * String.indexOf, which the JVM vectorizes) and escaped only when it holds one. Encoding only:
 * what the items mean is the core's.
 */
public final class WireRequest {

    public static final char SEP = '\u0000';
    public static final char ESC = '\u0001';

    private final StringBuilder text;
    private boolean escaped;

    /** @param capacity the expected length, so the text is not copied as it grows */
    public WireRequest(int capacity) {
        text = new StringBuilder(capacity + 4);
        text.append("w1p");
    }

    public WireRequest add(String item) {
        text.append(SEP);
        append(item);
        return this;
    }

    public WireRequest add(int number) {
        text.append(SEP).append(number);
        return this;
    }

    /** A string that may be null: "-" for null, else "=" and the string. */
    public WireRequest addOptional(String item) {
        text.append(SEP);
        if (item == null) {
            text.append('-');
        } else {
            text.append('=');
            append(item);
        }
        return this;
    }

    private void append(String item) {
        if (item.indexOf(SEP) < 0 && item.indexOf(ESC) < 0) {
            text.append(item);
            return;
        }
        escaped = true;
        for (int i = 0; i < item.length(); i++) {
            char c = item.charAt(i);
            if (c == SEP) {
                text.append(ESC).append('0');
            } else if (c == ESC) {
                text.append(ESC).append('1');
            } else {
                text.append(c);
            }
        }
    }

    /** The request's text (its header says whether items were escaped). */
    public String text() {
        text.setCharAt(2, escaped ? 'e' : 'p');
        return text.toString();
    }
}
