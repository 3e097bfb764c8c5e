package io.mispenrich.logstashreal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.logstash.Event;

import io.mispenrich.runner.NdjsonLines;

/**
 * NDJSON in and out with Logstash's own JSON: each line becomes events through
 * {@code Event.fromJson} (an object one event, an array one per element), a line it refuses
 * becomes an event holding the line in [message] tagged {@code _jsonparsefailure} (as the
 * json_lines codec does), and each event is written back with {@code Event.toJson}.
 */
final class EventLines {

    private EventLines() {
    }

    static NdjsonLines.Reader<Event> reader(String file) throws IOException {
        return new NdjsonLines.Reader<>(file, line -> List.of(Event.fromJson(line)), EventLines::unparsable);
    }

    static NdjsonLines.LineWriter<Event> writer(String file) throws IOException {
        return new NdjsonLines.LineWriter<>(file, Event::toJson);
    }

    private static Event unparsable(String line) {
        Map<String, Object> failed = new HashMap<>();
        failed.put("message", line);
        failed.put("tags", new ArrayList<>(List.of(NdjsonLines.PARSE_FAILURE_TAG)));
        return new Event(failed);
    }
}
