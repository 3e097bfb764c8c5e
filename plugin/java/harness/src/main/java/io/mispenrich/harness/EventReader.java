package io.mispenrich.harness;

import java.io.BufferedReader;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import co.elastic.logstash.api.Event;

/**
 * NDJSON in, as Logstash reads it with Event.fromJson: one event per line (an array of objects,
 * one per object); a line it cannot make events of becomes an event with the line in [message]
 * and the tag _jsonparsefailure, as the json_lines codec does, so no input line is ever lost;
 * blank lines are skipped.
 */
final class EventReader implements PipelineRun.Source, Closeable {

    static final String PARSE_FAILURE_TAG = "_jsonparsefailure";

    private final BufferedReader reader;
    private final List<Event> pending = new ArrayList<>();

    EventReader(String file) throws IOException {
        this.reader = file.equals("-")
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16)
                : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8);
    }

    @Override
    public List<Event> next(int max) throws IOException {
        String line;
        while (pending.size() < max && (line = reader.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            List<Event> events = new ArrayList<>();
            try {
                for (Map<String, Object> fields : Ndjson.readEvents(line)) {
                    events.add(new HarnessEvent(fields));
                }
            } catch (IOException | IllegalArgumentException e) {
                Map<String, Object> fields = new LinkedHashMap<>();
                fields.put("message", line);
                fields.put("tags", new ArrayList<>(List.of(PARSE_FAILURE_TAG)));
                events = List.of(new HarnessEvent(fields));
            }
            pending.addAll(events);
        }
        if (pending.isEmpty()) {
            return null;
        }
        List<Event> batch = new ArrayList<>(pending.subList(0, Math.min(max, pending.size())));
        pending.subList(0, batch.size()).clear();
        return batch;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
