package io.mispenrich.logstash.wire;

import io.mispenrich.logstash.log.ErrorCode;

/**
 * The core's answer to a keys request (plugin/core/wire.ts): lines separated by '\n', the plan
 * first, then per value of the request, in its order, its keys separated by ' ' (an empty line:
 * nothing to look up; a line of one U+0000: the value does not parse). Keys are printable ASCII
 * without spaces by the core's construction, so the answer is cut apart, never parsed or
 * unescaped. A line missing or left over is a protocol error.
 */
public final class KeysAnswer {

    /** The keys of a value with nothing to look up. */
    public static final String[] NONE = new String[0];

    private static final String NULL_LINE = "\u0000";

    private final String text;
    private final String plan;
    /** Where the next line starts; text.length() + 1 once the last line was read. */
    private int at;

    public KeysAnswer(String text) {
        this.text = text;
        this.plan = line();
    }

    public String plan() {
        return plan;
    }

    /** The next value's keys: {@link #NONE} for nothing to look up, null for a value that does not parse. */
    public String[] next() {
        if (at > text.length()) {
            throw error("another value's line");
        }
        int start = at;
        int end = lineEnd(start);
        at = end + 1;
        if (end == start) {
            return NONE;
        }
        if (end == start + 1 && text.charAt(start) == NULL_LINE.charAt(0)) {
            return null;
        }
        // Searches end at the line's end: a line without a space must not send them through the
        // rest of the answer (once per line, that would cost the square of the batch's values).
        int count = 1;
        for (int i = text.indexOf(' ', start, end); i >= 0; i = text.indexOf(' ', i + 1, end)) {
            count++;
        }
        String[] keys = new String[count];
        int from = start;
        for (int k = 0; k < count - 1; k++) {
            int space = text.indexOf(' ', from, end);
            keys[k] = text.substring(from, space);
            from = space + 1;
        }
        keys[count - 1] = text.substring(from, end);
        return keys;
    }

    /** Throws unless every value's keys were read. */
    public void requireDone() {
        if (at <= text.length()) {
            throw error("its end");
        }
    }

    private String line() {
        int end = lineEnd(at);
        String s = text.substring(at, end);
        at = end + 1;
        return s;
    }

    private int lineEnd(int from) {
        int nl = text.indexOf('\n', from);
        return nl < 0 ? text.length() : nl;
    }

    private IllegalStateException error(String expected) {
        return new IllegalStateException(ErrorCode.PROTOCOL.say("the core's keys answer is not what the request asked for: expected ") + expected
                + " at " + Math.min(at, text.length()));
    }
}
