package io.mispenrich.harness;

import java.io.BufferedWriter;
import java.io.Closeable;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import co.elastic.logstash.api.Event;

/**
 * NDJSON out, one event per line, to a file or to stdout ("-"). Text that UTF-8 cannot hold (a
 * lone surrogate left in a field name: values are cleaned as Logstash stores them, see Values) is
 * written as '?' instead of ending the run: every event is written whatever it holds.
 */
final class EventWriter implements PipelineRun.Sink, Closeable {

    private final Writer writer;
    private final boolean stdout;

    EventWriter(String file) throws IOException {
        this.stdout = file.equals("-");
        // OutputStreamWriter replaces what UTF-8 cannot encode; Files.newBufferedWriter would throw.
        this.writer = new BufferedWriter(new OutputStreamWriter(stdout ? System.out : Files.newOutputStream(Path.of(file)),
                StandardCharsets.UTF_8), 1 << 16);
    }

    @Override
    public void write(Event event) throws IOException {
        writer.write(Ndjson.write(event.getData()));
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
