package io.mispenrich.logstashreal;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import org.logstash.Event;

/**
 * NDJSON in and out with Logstash's own JSON: each line becomes events through
 * {@code Event.fromJson} (an object one event, an array one per element), a line it refuses
 * becomes an event holding the line in [message] tagged {@code _jsonparsefailure} (as the
 * json_lines codec does), and each event is written back with {@code Event.toJson}.
 */
final class EventLines {

    static final String PARSE_FAILURE_TAG = "_jsonparsefailure";

    private EventLines() {
    }

    static final class Reader implements BatchRun.Source, Closeable {
        private final BufferedReader reader;
        private final List<Event> pending = new ArrayList<>();

        Reader(String file) throws IOException {
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
                try {
                    pending.addAll(List.of(Event.fromJson(line)));
                } catch (IOException | RuntimeException e) {
                    Map<String, Object> failed = new HashMap<>();
                    failed.put("message", line);
                    failed.put("tags", new ArrayList<>(List.of(PARSE_FAILURE_TAG)));
                    pending.add(new Event(failed));
                }
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

    static final class Writer implements BatchRun.Sink, Closeable {
        private final java.io.Writer out;
        private final boolean stdout;

        Writer(String file) throws IOException {
            this.stdout = file.equals("-");
            this.out = new BufferedWriter(new OutputStreamWriter(stdout ? System.out : Files.newOutputStream(Path.of(file)),
                    StandardCharsets.UTF_8), 1 << 16);
        }

        @Override
        public void write(Event event) throws IOException {
            out.write(event.toJson());
            out.write('\n');
        }

        @Override
        public void close() throws IOException {
            if (stdout) {
                out.flush();
            } else {
                out.close();
            }
        }
    }
}
