package io.mispenrich.harness;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import co.elastic.logstash.api.CounterMetric;
import co.elastic.logstash.api.Event;
import co.elastic.logstash.api.Filter;
import co.elastic.logstash.api.FilterMatchListener;
import co.elastic.logstash.api.NamespacedMetric;
import co.elastic.logstash.api.TimerMetric;

/**
 * Drives a filter as a Logstash pipeline does: an input thread reads and decodes events into
 * batches of up to batchSize, N worker threads each take the next batch and call filter() on it,
 * all on the SAME filter instance at once, and the output is written in input order while the
 * workers go on. Each worker also sends one empty batch first (Logstash does). Memory stays
 * bounded whatever the input's size: a few batches are in flight at any time.
 */
final class PipelineRun {

    private PipelineRun() {
    }

    /** Where events come from: the next batch of up to max events, or null at the end. */
    interface Source {
        List<Event> next(int max) throws IOException;
    }

    /** Where events go, in input order. */
    interface Sink {
        void write(Event event) throws IOException;
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
     * filterNanos: time inside filter(), all batches; lateNanos/lateEvents: the second half of the
     * batches (warmed up). lateWallNanos: wall time from the moment half the batches were written
     * out to the last one, all workers together (the steady state end to end, JVM start and
     * warm-up left out).
     */
    record Result(long eventsIn, long eventsOut, int batches, long filterNanos, long lateNanos, long lateEvents, long lateWallNanos) {
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

    private record Batch(int index, List<Event> events) {
    }

    private static final Batch END = new Batch(-1, List.of());

    static Result run(Filter filter, Source source, Sink sink, int workers, int batchSize, FilterMatchListener listener, Pause pause,
                      DelegatorMetrics metrics) throws IOException {
        BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(Math.max(2, workers * 2));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger batches = new AtomicInteger();
        long[] in = {0};
        // Results waiting for an earlier batch, what each batch cost inside filter(), and when
        // each batch was written out.
        Map<Integer, Collection<Event>> done = new HashMap<>();
        List<long[]> timings = new ArrayList<>();
        List<Long> written = new ArrayList<>();
        long[] out = {0};
        int[] nextToWrite = {0};
        Object lock = new Object();

        Thread input = new Thread(() -> {
            try {
                List<Event> b;
                while (failure.get() == null && (b = source.next(batchSize)) != null) {
                    in[0] += b.size();
                    offer(queue, new Batch(batches.getAndIncrement(), b), failure);
                }
                for (int w = 0; w < workers; w++) {
                    offer(queue, END, failure);
                }
            } catch (Throwable e) {
                failure.compareAndSet(null, e);
            }
        }, "[main]<input");
        input.start();

        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            Thread t = new Thread(() -> {
                try {
                    filter.filter(new ArrayList<>(), listener);
                    while (true) {
                        Batch b = queue.poll(100, TimeUnit.MILLISECONDS);
                        if (b == null) {
                            if (failure.get() != null) {
                                break;
                            }
                            continue;
                        }
                        if (b == END) {
                            break;
                        }
                        metrics.in().increment(b.events().size());
                        long t0 = System.nanoTime();
                        Collection<Event> result = filter.filter(b.events(), listener);
                        long took = System.nanoTime() - t0;
                        metrics.duration().reportUntrackedMillis(took / 1_000_000L);
                        metrics.out().increment(result.stream().filter(e -> !e.isCancelled()).count());
                        synchronized (lock) {
                            timings.add(new long[] {b.index(), took, b.events().size()});
                            done.put(b.index(), result);
                            // Whoever completes the next batch in order writes every batch now in order.
                            while (done.containsKey(nextToWrite[0])) {
                                for (Event e : done.remove(nextToWrite[0])) {
                                    if (!e.isCancelled()) {
                                        sink.write(e);
                                        out[0]++;
                                    }
                                }
                                nextToWrite[0]++;
                                written.add(System.nanoTime());
                            }
                        }
                        pause.await(b.index());
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "[main]>worker" + w);
            threads.add(t);
            t.start();
        }
        join(input);
        for (Thread t : threads) {
            join(t);
        }
        Throwable f = failure.get();
        if (f instanceof IOException io) {
            throw io;
        }
        if (f != null) {
            throw new IllegalStateException("filter() threw (a filter must never throw): " + f, f);
        }
        int total = batches.get();
        long filterNanos = 0;
        long lateNanos = 0;
        long lateEvents = 0;
        for (long[] t : timings) {
            filterNanos += t[1];
            if (t[0] >= total / 2) {
                lateNanos += t[1];
                lateEvents += t[2];
            }
        }
        // Batches are written in order: batch i's moment is written.get(i), and the window from the
        // end of batch total/2 - 1 holds exactly the batches lateEvents counts.
        long lateWallNanos = written.size() < 2 ? 0 : written.get(written.size() - 1) - written.get(Math.max(0, total / 2 - 1));
        return new Result(in[0], out[0], total, filterNanos, lateNanos, lateEvents, lateWallNanos);
    }

    /** Waits for room in the queue, unless the run has failed (then the batch is dropped). */
    private static void offer(BlockingQueue<Batch> queue, Batch b, AtomicReference<Throwable> failure) throws InterruptedException {
        while (!queue.offer(b, 100, TimeUnit.MILLISECONDS)) {
            if (failure.get() != null) {
                return;
            }
        }
    }

    private static void join(Thread t) {
        try {
            while (t.isAlive()) {
                t.join(TimeUnit.SECONDS.toMillis(1));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }
}
