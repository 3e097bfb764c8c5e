package io.mispenrich.harness;

import java.io.IOException;
import java.util.Collection;
import java.util.List;

import co.elastic.logstash.api.CounterMetric;
import co.elastic.logstash.api.Event;
import co.elastic.logstash.api.Filter;
import co.elastic.logstash.api.FilterMatchListener;
import co.elastic.logstash.api.NamespacedMetric;
import co.elastic.logstash.api.TimerMetric;
import io.mispenrich.runner.OrderedBatches;

/**
 * Drives a filter as a Logstash pipeline does (the ordered batch run is the runners' shared
 * OrderedBatches), with what Logstash's filter delegator adds around each filter() call: its
 * events in/out and duration metrics in the plugin's namespace.
 */
final class PipelineRun {

    private PipelineRun() {
    }

    /**
     * What Logstash's filter delegator counts around each filter() call, in the plugin's metric
     * namespace: events in, events out (not cancelled), and the time taken.
     */
    record DelegatorMetrics(CounterMetric in, CounterMetric out, TimerMetric duration) {
        /** Made as Logstash's delegator makes them, after the plugin: [.., ID, events] must be free. */
        static DelegatorMetrics of(NamespacedMetric pluginMetric, String pluginName) {
            NamespacedMetric events = pluginMetric.namespace("events");
            CounterMetric out = events.counter("out");
            CounterMetric in = events.counter("in");
            TimerMetric duration = events.timer("duration_in_millis");
            pluginMetric.gauge("name", pluginName);
            return new DelegatorMetrics(in, out, duration);
        }
    }

    /**
     * Test hook: after batch {@code afterBatch} the worker that ran it creates {@code file.paused}
     * and waits until {@code file} is deleted, so a spec can change the world (restart a server)
     * between two batches without guessing at timing.
     */
    record Pause(int afterBatch, java.nio.file.Path file) {
        static final Pause NONE = new Pause(-1, null);

        void await(int batch) {
            if (batch != afterBatch || file == null) {
                return;
            }
            try {
                java.nio.file.Files.writeString(file.resolveSibling(file.getFileName() + ".paused"), "");
                while (java.nio.file.Files.exists(file)) {
                    Thread.sleep(20);
                }
            } catch (java.io.IOException | InterruptedException e) {
                throw new IllegalStateException("pause hook: " + e, e);
            }
        }
    }

    static OrderedBatches.Result run(Filter filter, OrderedBatches.Source<Event> source, OrderedBatches.Sink<Event> sink, int workers,
                                     int batchSize, long warmFromEvent, FilterMatchListener listener, Pause pause, DelegatorMetrics metrics) throws IOException {
        return new OrderedBatches<Event>("filter()", Event::isCancelled, workers, batchSize, warmFromEvent).run(source, batch -> filter.filter(batch, listener), sink,
                new OrderedBatches.Hooks<>() {
                    @Override
                    public void before(int index, List<Event> batch) {
                        metrics.in().increment(batch.size());
                    }

                    @Override
                    public void filtered(int index, Collection<Event> result, long nanos) {
                        metrics.duration().reportUntrackedMillis(nanos / 1_000_000L);
                        metrics.out().increment(result.stream().filter(e -> !e.isCancelled()).count());
                    }

                    @Override
                    public void after(int index) {
                        pause.await(index);
                    }
                });
    }
}
