package io.mispenrich.runner;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * NDJSON events in and out, a file or stdin/stdout ("-"), whatever the runner's Event type: one
 * line makes the events its decoder gives (an object one, an array one per element); a line the
 * decoder refuses becomes the event {@code unparsable} makes of it (Logstash's json_lines codec:
 * the line in [message], tagged {@link #PARSE_FAILURE_TAG}), so no input line is ever lost; blank
 * lines are skipped.
 */
public final class NdjsonLines {

    /** The json_lines codec's tag for a line it could not parse. */
    public static final String PARSE_FAILURE_TAG = "_jsonparsefailure";

    private NdjsonLines() {
    }

    /** Makes events of one line; throws (IOException or any RuntimeException) when it cannot. */
    public interface Decoder<E> {
        List<E> decode(String line) throws IOException;
    }

    /** The line of one event. */
    public interface Encoder<E> {
        String encode(E event) throws IOException;
    }

    public static final class Reader<E> implements OrderedBatches.Source<E>, Closeable {
        private final BufferedReader reader;
        private final Decoder<E> decoder;
        private final Function<String, E> unparsable;
        private final List<E> pending = new ArrayList<>();

        public Reader(String file, Decoder<E> decoder, Function<String, E> unparsable) throws IOException {
            this.reader = file.equals("-")
                    ? new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8), 1 << 16)
                    : Files.newBufferedReader(Path.of(file), StandardCharsets.UTF_8);
            this.decoder = decoder;
            this.unparsable = unparsable;
        }

        @Override
        public List<E> next(int max) throws IOException {
            String line;
            while (pending.size() < max && (line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                List<E> events;
                try {
                    events = decoder.decode(line);
                } catch (IOException | RuntimeException e) {
                    events = List.of(unparsable.apply(line));
                }
                pending.addAll(events);
            }
            if (pending.isEmpty()) {
                return null;
            }
            List<E> batch = new ArrayList<>(pending.subList(0, Math.min(max, pending.size())));
            pending.subList(0, batch.size()).clear();
            return batch;
        }

        @Override
        public void close() throws IOException {
            reader.close();
        }
    }

    /**
     * One event per line. Text UTF-8 cannot hold (a lone surrogate) is written as '?' instead of
     * ending the run: every event is written whatever it holds.
     */
    public static final class LineWriter<E> implements OrderedBatches.Sink<E>, Closeable {
        private final Writer writer;
        private final boolean stdout;
        private final Encoder<E> encoder;

        public LineWriter(String file, Encoder<E> encoder) throws IOException {
            this.stdout = file.equals("-");
            this.encoder = encoder;
            // OutputStreamWriter replaces what UTF-8 cannot encode; Files.newBufferedWriter would throw.
            this.writer = new BufferedWriter(new OutputStreamWriter(stdout ? System.out : Files.newOutputStream(Path.of(file)),
                    StandardCharsets.UTF_8), 1 << 16);
        }

        @Override
        public void write(E event) throws IOException {
            writer.write(encoder.encode(event));
            writer.write('\n');
        }

        @Override
        public void close() throws IOException {
            if (stdout) {
                writer.flush();
            } else {
                writer.close();
            }
        }
    }
}
