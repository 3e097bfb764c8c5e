package io.mispenrich.logstash.wire;

import io.mispenrich.logstash.log.ErrorCode;

/**
 * The core's answer to a keys request in wire text (plugin/core/wire.ts): the plan on the first
 * line, then a line per value with its keys separated by spaces. Keys are printable ASCII without
 * spaces by the core's construction, so a line splits on spaces and nothing is unescaped. Read
 * in the request's order, a line at a time.
 */
public final class KeysAnswer {

    /** A line for a value with nothing to look up. */
    public static final String[] NONE = new String[0];

    private final String text;
    private final String plan;
    private int at;

    public KeysAnswer(String text) {
        this.text = text;
        int end = text.indexOf('\n');
        this.plan = end < 0 ? text : text.substring(0, end);
        this.at = end < 0 ? text.length() + 1 : end + 1;
    }

    public String plan() {
        return plan;
    }

    /** The next value's keys: {@link #NONE} for nothing to look up, null for a value that does not parse. */
    public String[] next() {
        if (at > text.length()) {
            throw new IllegalStateException(ErrorCode.PROTOCOL.say("the core's keys answer has fewer lines than the request had values"));
        }
        int start = at;
        int end = text.indexOf('\n', start);
        if (end < 0) {
            end = text.length();
        }
        at = end + 1;
        if (end == start) {
            return NONE;
        }
        if (end - start == 1 && text.charAt(start) == '!') {
            return null;
        }
        int n = 1;
        for (int i = text.indexOf(' ', start); i >= 0 && i < end; i = text.indexOf(' ', i + 1)) {
            n++;
        }
        String[] keys = new String[n];
        int from = start;
        for (int k = 0; k < n - 1; k++) {
            int space = text.indexOf(' ', from);
            keys[k] = text.substring(from, space);
            from = space + 1;
        }
        keys[n - 1] = text.substring(from, end);
        return keys;
    }

    /** Throws unless every line was read. */
    public void requireDone() {
        if (at <= text.length()) {
            throw new IllegalStateException(ErrorCode.PROTOCOL.say("the core's keys answer has more lines than the request had values"));
        }
    }
}
