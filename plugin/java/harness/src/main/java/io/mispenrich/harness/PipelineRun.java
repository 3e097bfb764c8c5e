package io.mispenrich.harness;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import co.elastic.logstash.api.Event;
import co.elastic.logstash.api.Filter;
import co.elastic.logstash.api.FilterMatchListener;

/**
 * Drives a filter as pipeline workers do: N threads, each taking the next batch of up to
 * batchSize events and calling filter() on it, all on the SAME filter instance at once. Each
 * worker also sends one empty batch first (Logstash does). Output keeps input order.
 */
final class PipelineRun {

    private PipelineRun() {
    }

    /** filterNanos: time inside filter(), all batches; lateNanos/lateEvents: the second half of the batches (warmed up). */
    record Result(List<Event> output, int batches, long filterNanos, long lateNanos, long lateEvents) {
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

    static Result run(Filter filter, List<Event> events, int workers, int batchSize, FilterMatchListener listener) {
        return run(filter, events, workers, batchSize, listener, Pause.NONE);
    }

    static Result run(Filter filter, List<Event> events, int workers, int batchSize, FilterMatchListener listener, Pause pause) {
        int batches = (events.size() + batchSize - 1) / batchSize;
        @SuppressWarnings("unchecked")
        Collection<Event>[] results = new Collection[batches];
        AtomicInteger next = new AtomicInteger();
        AtomicLong filterNanos = new AtomicLong();
        AtomicLong lateNanos = new AtomicLong();
        AtomicLong lateEvents = new AtomicLong();
        AtomicReference<Throwable> failure = new AtomicReference<>();
        List<Thread> threads = new ArrayList<>();
        for (int w = 0; w < workers; w++) {
            Thread t = new Thread(() -> {
                try {
                    filter.filter(new ArrayList<>(), listener);
                    int b;
                    while ((b = next.getAndIncrement()) < batches) {
                        List<Event> batch = new ArrayList<>(events.subList(b * batchSize, Math.min(events.size(), (b + 1) * batchSize)));
                        long t0 = System.nanoTime();
                        results[b] = filter.filter(batch, listener);
                        long took = System.nanoTime() - t0;
                        filterNanos.addAndGet(took);
                        if (b >= batches / 2) {
                            lateNanos.addAndGet(took);
                            lateEvents.addAndGet(batch.size());
                        }
                        pause.await(b);
                    }
                } catch (Throwable e) {
                    failure.compareAndSet(null, e);
                }
            }, "[main]>worker" + w);
            threads.add(t);
            t.start();
        }
        for (Thread t : threads) {
            try {
                t.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted");
            }
        }
        if (failure.get() != null) {
            throw new IllegalStateException("filter() threw (a filter must never throw): " + failure.get(), failure.get());
        }
        List<Event> out = new ArrayList<>(events.size());
        for (Collection<Event> r : results) {
            for (Event e : r) {
                if (!e.isCancelled()) {
                    out.add(e);
                }
            }
        }
        return new Result(out, batches, filterNanos.get(), lateNanos.get(), lateEvents.get());
    }
}
