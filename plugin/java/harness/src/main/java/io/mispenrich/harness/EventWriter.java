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

/** NDJSON out, one event per line, to a file or to stdout ("-"). */
final class EventWriter implements PipelineRun.Sink, Closeable {

    private final Writer writer;
    private final boolean stdout;

    EventWriter(String file) throws IOException {
        this.stdout = file.equals("-");
        this.writer = stdout
                ? new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8), 1 << 16)
                : Files.newBufferedWriter(Path.of(file), StandardCharsets.UTF_8);
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
