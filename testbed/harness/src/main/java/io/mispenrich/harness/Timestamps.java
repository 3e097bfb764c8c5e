package io.mispenrich.harness;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.LocalTime;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * @timestamp as Logstash reads and writes it. Read: an ISO 8601 date, optionally followed by
 * 'T' and a time, optionally by a zone or offset; what is missing is midnight, and the machine's
 * zone when none is given ("2026-11-01" is accepted, "2026-11-01 10:00" and numbers are not).
 * Written: milliseconds always, finer digits only when present.
 */
final class Timestamps {

    private static final DateTimeFormatter MILLIS = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);

    /** A date, then optionally 'T' and a time, then optionally a zone or an offset. */
    private static final Pattern READ = Pattern.compile(
            "(\\d{4}-\\d{2}-\\d{2})(?:[Tt](\\d{2}:\\d{2}(?::\\d{2}(?:\\.\\d{1,9})?)?))?(.*)", Pattern.DOTALL);

    private Timestamps() {
    }

    /** The instant, or null when Logstash would tag the event _timestampparsefailure. */
    static Instant parse(Object value) {
        if (value instanceof Instant i) {
            return i;
        }
        if (!(value instanceof String s)) {
            return null;
        }
        Matcher m = READ.matcher(s);
        if (!m.matches()) {
            return null;
        }
        try {
            LocalDate date = LocalDate.parse(m.group(1));
            LocalTime time = m.group(2) == null ? LocalTime.MIDNIGHT : LocalTime.parse(m.group(2));
            String zone = m.group(3);
            ZoneId id = zone.isEmpty() ? ZoneId.systemDefault()
                    : zone.equalsIgnoreCase("z") ? ZoneOffset.UTC
                    : zone.startsWith("+") || zone.startsWith("-") ? ZoneOffset.of(zone) : ZoneId.of(zone);
            return date.atTime(time).atZone(id).toInstant();
        } catch (DateTimeException e) {
            return null;
        }
    }

    static String print(Instant t) {
        if (t == null) {
            return "";
        }
        return t.getNano() == 0 ? MILLIS.format(t) : DateTimeFormatter.ISO_INSTANT.format(t);
    }
}
