package io.mispenrich.logstash.json;

import io.mispenrich.logstash.log.ErrorCode;
import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON for the messages exchanged with the core and for MISP responses. Hand-written on purpose:
 * the plugin runs on Logstash's class path, which already carries its own Jackson, and a second
 * (shaded) Jackson would add megabytes to parse five small message shapes. Objects parse to
 * LinkedHashMap, arrays to ArrayList, integers to Long (as Logstash stores them), other numbers
 * to Double.
 */
public final class Json {

    private Json() {
    }

    public static Object parse(String text) {
        Parser p = new Parser(text);
        p.skipWs();
        Object value = p.value(0);
        p.skipWs();
        if (p.pos != text.length()) {
            throw p.error("trailing characters");
        }
        return value;
    }

    /** A value parsed from JSON text, with the exact text it was parsed from. */
    public record Sourced(Object value, String text) {
    }

    /**
     * The elements of the array that is the whole text, or the array under {@code member} of the
     * object that is the whole text, each parsed and with its own source text: so a host can keep
     * what a server sent and pass it on without writing it again. The whole text is validated.
     *
     * @throws IllegalArgumentException when the text is not JSON or holds no such array
     */
    public static List<Sourced> arrayElements(String text, String member) {
        Parser p = new Parser(text);
        p.skipWs();
        List<Sourced> out = null;
        if (p.peek() == '[') {
            out = p.sourcedArray();
        } else if (p.peek() == '{') {
            p.pos++;
            p.skipWs();
            if (p.peek() != '}') {
                while (true) {
                    p.skipWs();
                    if (p.peek() != '"') {
                        throw p.error("expected a key");
                    }
                    String key = p.string();
                    p.skipWs();
                    p.expect(':');
                    p.skipWs();
                    if (key.equals(member) && p.peek() == '[') {
                        out = p.sourcedArray();
                    } else {
                        p.value(1);
                    }
                    p.skipWs();
                    if (p.peek() == ',') {
                        p.pos++;
                        continue;
                    }
                    break;
                }
            }
            p.expect('}');
        } else {
            throw p.error("expected an array or an object");
        }
        p.skipWs();
        if (p.pos != text.length()) {
            throw p.error("trailing characters");
        }
        if (out == null) {
            throw new IllegalArgumentException(ErrorCode.JSON.say("no \"" + member + "\" array"));
        }
        return out;
    }

    /** Appends the JSON string literal of {@code s}. */
    public static void quote(CharSequence s, StringBuilder out) {
        string(s, out);
    }

    public static String write(Object value) {
        StringBuilder out = new StringBuilder(256);
        write(value, out);
        return out.toString();
    }

    public static void write(Object value, StringBuilder out) {
        if (value == null) {
            out.append("null");
        } else if (value instanceof CharSequence s) {
            string(s, out);
        } else if (value instanceof Boolean b) {
            out.append(b.booleanValue());
        } else if (value instanceof Double d) {
            if (d.isNaN() || d.isInfinite()) {
                out.append("null");
            } else if (d == Math.rint(d) && Math.abs(d) < 1e15) {
                out.append(d.longValue()).append(".0");
            } else {
                out.append(d.doubleValue());
            }
        } else if (value instanceof Float f) {
            write(f.doubleValue(), out);
        } else if (value instanceof Number n) {
            out.append(n instanceof BigDecimal bd ? bd.toPlainString() : n.toString());
        } else if (value instanceof Map<?, ?> m) {
            out.append('{');
            boolean first = true;
            for (Map.Entry<?, ?> e : m.entrySet()) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                string(String.valueOf(e.getKey()), out);
                out.append(':');
                write(e.getValue(), out);
            }
            out.append('}');
        } else if (value instanceof Collection<?> c) {
            out.append('[');
            boolean first = true;
            for (Object item : c) {
                if (!first) {
                    out.append(',');
                }
                first = false;
                write(item, out);
            }
            out.append(']');
        } else if (value instanceof Object[] arr) {
            write(List.of(arr), out);
        } else if (value instanceof Instant t) {
            string(t.toString(), out);
        } else {
            // Logstash Timestamp and other scalar wrappers: their string form is what users see.
            string(value.toString(), out);
        }
    }

    private static void string(CharSequence s, StringBuilder out) {
        out.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> out.append("\\\"");
                case '\\' -> out.append("\\\\");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\b' -> out.append("\\b");
                case '\f' -> out.append("\\f");
                default -> {
                    if (c < 0x20 || c == 0x2028 || c == 0x2029) {
                        out.append(String.format("\\u%04x", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
        out.append('"');
    }

    private static final class Parser {
        private static final int MAX_DEPTH = 512;
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException(ErrorCode.JSON.say(what + " at offset " + pos));
        }

        /** The next character, or -1 at the end. */
        int peek() {
            return pos < s.length() ? s.charAt(pos) : -1;
        }

        List<Sourced> sourcedArray() {
            List<Sourced> list = new ArrayList<>();
            pos++;
            skipWs();
            if (peek() == ']') {
                pos++;
                return list;
            }
            while (true) {
                skipWs();
                int start = pos;
                Object v = value(1);
                list.add(new Sourced(v, s.substring(start, pos)));
                skipWs();
                if (peek() == ',') {
                    pos++;
                    continue;
                }
                expect(']');
                return list;
            }
        }

        void skipWs() {
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c == ' ' || c == '\n' || c == '\r' || c == '\t') {
                    pos++;
                } else {
                    break;
                }
            }
        }

        Object value(int depth) {
            if (depth > MAX_DEPTH) {
                throw error("nesting too deep");
            }
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            switch (c) {
                case '{':
                    return object(depth);
                case '[':
                    return array(depth);
                case '"':
                    return string();
                case 't':
                    literal("true");
                    return Boolean.TRUE;
                case 'f':
                    literal("false");
                    return Boolean.FALSE;
                case 'n':
                    literal("null");
                    return null;
                default:
                    if (c == '-' || (c >= '0' && c <= '9')) {
                        return number();
                    }
                    throw error("unexpected character");
            }
        }

        void literal(String word) {
            if (!s.startsWith(word, pos)) {
                throw error("bad literal");
            }
            pos += word.length();
        }

        Map<String, Object> object(int depth) {
            Map<String, Object> map = new LinkedHashMap<>();
            for (boolean more = open('}'); more; more = next('}')) {
                if (pos >= s.length() || s.charAt(pos) != '"') {
                    throw error("expected a key");
                }
                String key = string();
                skipWs();
                expect(':');
                skipWs();
                map.put(key, value(depth + 1));
            }
            return map;
        }

        List<Object> array(int depth) {
            List<Object> list = new ArrayList<>();
            for (boolean more = open(']'); more; more = next(']')) {
                list.add(value(depth + 1));
            }
            return list;
        }

        /** Past an opening bracket: false for an empty container (its `close` read), else true with the first element ahead. */
        boolean open(char close) {
            pos++;
            skipWs();
            if (pos < s.length() && s.charAt(pos) == close) {
                pos++;
                return false;
            }
            return true;
        }

        /** After an element: true past a ',' with the next element ahead, false past `close`. */
        boolean next(char close) {
            skipWs();
            if (pos < s.length() && s.charAt(pos) == ',') {
                pos++;
                skipWs();
                return true;
            }
            expect(close);
            return false;
        }

        void expect(char c) {
            if (pos >= s.length() || s.charAt(pos) != c) {
                throw error("expected '" + c + "'");
            }
            pos++;
        }

        String string() {
            pos++;
            StringBuilder out = null;
            int start = pos;
            while (true) {
                if (pos >= s.length()) {
                    throw error("unterminated string");
                }
                char c = s.charAt(pos);
                if (c == '"') {
                    String tail = s.substring(start, pos);
                    pos++;
                    return out == null ? tail : out.append(tail).toString();
                }
                if (c == '\\') {
                    if (out == null) {
                        out = new StringBuilder();
                    }
                    out.append(s, start, pos);
                    pos++;
                    if (pos >= s.length()) {
                        throw error("bad escape");
                    }
                    char e = s.charAt(pos++);
                    switch (e) {
                        case '"' -> out.append('"');
                        case '\\' -> out.append('\\');
                        case '/' -> out.append('/');
                        case 'b' -> out.append('\b');
                        case 'f' -> out.append('\f');
                        case 'n' -> out.append('\n');
                        case 'r' -> out.append('\r');
                        case 't' -> out.append('\t');
                        case 'u' -> {
                            if (pos + 4 > s.length()) {
                                throw error("bad unicode escape");
                            }
                            try {
                                out.append((char) Integer.parseInt(s.substring(pos, pos + 4), 16));
                            } catch (NumberFormatException ex) {
                                throw error("bad unicode escape");
                            }
                            pos += 4;
                        }
                        default -> throw error("bad escape");
                    }
                    start = pos;
                } else if (c < 0x20) {
                    throw error("control character in string");
                } else {
                    pos++;
                }
            }
        }

        Object number() {
            int start = pos;
            boolean integral = true;
            if (s.charAt(pos) == '-') {
                pos++;
            }
            while (pos < s.length()) {
                char c = s.charAt(pos);
                if (c >= '0' && c <= '9') {
                    pos++;
                } else if (c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-') {
                    integral = false;
                    pos++;
                } else {
                    break;
                }
            }
            String text = s.substring(start, pos);
            try {
                if (integral) {
                    BigInteger big = new BigInteger(text);
                    return big.bitLength() < 64 ? (Object) big.longValue() : big;
                }
                return Double.parseDouble(text);
            } catch (NumberFormatException e) {
                throw error("bad number");
            }
        }
    }
}
