package io.mispenrich.harness;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.joda.time.DateTime;
import org.joda.time.DateTimeZone;
import org.joda.time.format.DateTimeFormat;

/**
 * Logstash's %{...} references in option values (add_field, add_tag, ...), with its rules:
 * <ul>
 * <li>{@code %{+%s}}: the event's @timestamp in epoch seconds;</li>
 * <li>{@code %{+FORMAT}}: the @timestamp in UTC, FORMAT being a Joda-Time pattern (Logstash formats
 * these with Joda-Time, so the stand-in does too: {@code %{+YYYY.MM.dd}});</li>
 * <li>{@code %{{FORMAT}}}: the same with a java.time pattern; {@code %{{TIME_NOW}}} the current time;</li>
 * <li>{@code %{field}}: the field's value; a list joined with commas (a null item as nothing,
 * inner lists flattened), a map as JSON; a field that is not there leaves the reference as written.</li>
 * </ul>
 */
final class Interpolation {

    private Interpolation() {
    }

    static String evaluate(HarnessEvent event, String template) {
        int open = template.indexOf("%{");
        if (open < 0 || template.indexOf('}', open) < 0) {
            return template;
        }
        StringBuilder out = new StringBuilder();
        int pos = 0;
        while (open >= 0) {
            int close = template.indexOf('}', open);
            if (close < 0) {
                break;
            }
            out.append(template, pos, open);
            String inside = template.substring(open + 2, close);
            if (inside.equals("+%s")) {
                Instant t = event.getEventTimestamp();
                out.append(t == null ? "" : Long.toString(t.getEpochSecond()));
            } else if (inside.startsWith("{") && close + 1 < template.length() && template.charAt(close + 1) == '}') {
                close++;
                String pattern = inside.substring(1);
                if (pattern.equals("TIME_NOW")) {
                    out.append(Timestamps.print(Instant.now()));
                } else if (event.getEventTimestamp() != null) {
                    out.append(DateTimeFormatter.ofPattern(pattern).withZone(ZoneOffset.UTC).format(event.getEventTimestamp()));
                }
            } else if (inside.startsWith("+")) {
                Instant t = event.getEventTimestamp();
                if (t != null) {
                    out.append(new DateTime(t.toEpochMilli(), DateTimeZone.UTC).toString(DateTimeFormat.forPattern(inside.substring(1))
                            .withZone(DateTimeZone.UTC)));
                }
            } else {
                Object value = event.getField(inside);
                if (value == null) {
                    out.append("%{").append(inside).append('}');
                } else if (value instanceof List<?> l) {
                    out.append(join(l));
                } else if (value instanceof Map<?, ?> m) {
                    out.append(Ndjson.write(unordered(m)));
                } else if (value instanceof Instant i) {
                    out.append(Timestamps.print(i));
                } else {
                    out.append(value);
                }
            }
            pos = close + 1;
            open = template.indexOf("%{", pos);
        }
        out.append(template, pos, template.length());
        return out.toString();
    }

    private static String join(List<?> list) {
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < list.size(); i++) {
            if (i > 0) {
                b.append(',');
            }
            Object item = list.get(i);
            if (item instanceof List<?> inner) {
                b.append(join(inner));
            } else if (item != null) {
                b.append(item);
            }
        }
        return b.toString();
    }

    /** Logstash hands the map out as a HashMap: its keys come out in hash order. */
    private static Object unordered(Object v) {
        if (v instanceof Map<?, ?> m) {
            Map<Object, Object> out = new HashMap<>();
            m.forEach((k, x) -> out.put(k, unordered(x)));
            return out;
        }
        if (v instanceof List<?> l) {
            return l.stream().map(Interpolation::unordered).toList();
        }
        return v;
    }
}
