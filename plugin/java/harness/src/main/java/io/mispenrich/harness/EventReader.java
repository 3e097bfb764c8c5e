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
 * NDJSON in, as Logstash's json_lines codec reads it: one event per line; a line that is not a
 * JSON object becomes an event with the line in [message] and the tag _jsonparsefailure, so no
 * input line is ever lost; blank lines are skipped.
 */
final class EventReader implements PipelineRun.Source, Closeable {

    static final String PARSE_FAILURE_TAG = "_jsonparsefailure";

    private final BufferedReader reader;

    EventReader(String file) throws IOException {
        this.reader = file.equals("-")
                ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16)
                : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8);
    }

    @Override
    public List<Event> next(int max) throws IOException {
        List<Event> batch = new ArrayList<>(max);
        String line;
        while (batch.size() < max && (line = reader.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> fields;
            try {
                fields = Ndjson.readObject(line);
            } catch (IOException | IllegalArgumentException e) {
                fields = new LinkedHashMap<>();
                fields.put("message", line);
                fields.put("tags", new ArrayList<>(List.of(PARSE_FAILURE_TAG)));
            }
            batch.add(new HarnessEvent(fields));
        }
        return batch.isEmpty() ? null : batch;
    }

    @Override
    public void close() throws IOException {
        reader.close();
    }
}
