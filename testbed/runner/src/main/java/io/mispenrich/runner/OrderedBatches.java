package io.mispenrich.runner;

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
import java.util.function.Predicate;

/**
 * Runs a filter as a Logstash pipeline's workers do: an input thread reads batches of up to
 * batchSize events, N worker threads each take the next batch and filter it, all on the SAME
 * filter at once, and what comes back is written in input order while the workers go on,
 * cancelled events left out. Each worker first sends one empty batch (Logstash does). Memory stays
 * bounded whatever the input's size: a few batches are in flight at any time.
 *
 * @param <E> the event type of the runner (the stand-in's or Logstash's)
 */
public final class OrderedBatches<E> {

    /** Where events come from: the next batch of up to max events, or null at the end. */
    public interface Source<E> {
        List<E> next(int max) throws IOException;
    }

    /** Where events go, in input order. */
    public interface Sink<E> {
        void write(E event) throws IOException;
    }

    /** One filter call on a batch: what Logstash's worker hands the filter and takes back. */
    public interface BatchFilter<E> {
        Collection<E> filter(List<E> batch) throws Exception;
    }

    /** What a runner does around each batch; by default nothing. */
    public interface Hooks<E> {
        /** Before the batch is filtered. */
        default void before(int index, List<E> batch) {
        }

        /** After the batch was filtered, before it is written. */
        default void filtered(int index, Collection<E> result, long nanos) {
        }

        /** After the worker wrote what it could in order, outside the run's lock. */
        default void after(int index) {
        }
    }

    /**
     * filterNanos: time inside the filter, all batches; lateNanos/lateEvents: the batches from the
     * warm mark on (by default the second half: warmed up). lateWallNanos: wall time from the
     * moment the batch before the mark was written out to the last one, all workers together (the
     * steady state end to end, start and warm-up left out).
     */
    public record Result(long eventsIn, long eventsOut, int batches, long filterNanos, long lateNanos, long lateEvents, long lateWallNanos) {
    }

    private record Batch<E>(int index, List<E> events) {
    }

    private final String filterName;
    private final Predicate<E> cancelled;
    private final int workers;
    private final int batchSize;
    private final long warmFromEvent;

    /**
     * @param filterName what a failure calls the filter call ("filter()", "multi_filter")
     * @param cancelled  whether the filter cancelled an event (then it is not written)
     */
    public OrderedBatches(String filterName, Predicate<E> cancelled, int workers, int batchSize) {
        this(filterName, cancelled, workers, batchSize, -1);
    }

    /**
     * @param warmFromEvent the first event of the part measured as warm (rounded down to its batch),
     *                      or -1 for the second half of the batches. A bench sets it to measure a
     *                      stream appended to a long warm-up: the compiled steady state of values
     *                      never seen before, say, rather than the compiler's queue.
     */
    public OrderedBatches(String filterName, Predicate<E> cancelled, int workers, int batchSize, long warmFromEvent) {
        if (workers < 1 || batchSize < 1) {
            throw new IllegalArgumentException("--workers and --batch-size must be at least 1");
        }
        if (warmFromEvent < -1) {
            throw new IllegalArgumentException("--warm-from-event must be 0 or more");
        }
        this.filterName = filterName;
        this.cancelled = cancelled;
        this.workers = workers;
        this.batchSize = batchSize;
        this.warmFromEvent = warmFromEvent;
    }

    public Result run(Source<E> source, BatchFilter<E> filter, Sink<E> sink, Hooks<E> hooks) throws IOException {
        long startedAt = System.nanoTime();
        BlockingQueue<Batch<E>> queue = new ArrayBlockingQueue<>(Math.max(2, workers * 2));
        Batch<E> end = new Batch<>(-1, List.of());
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger batches = new AtomicInteger();
        long[] in = {0};
        // Results waiting for an earlier batch, what each batch cost inside the filter, and when
        // each batch was written out.
        Map<Integer, Collection<E>> done = new HashMap<>();
        List<long[]> timings = new ArrayList<>();
        List<Long> written = new ArrayList<>();
        long[] out = {0};
        int[] nextToWrite = {0};
        Object lock = new Object();

        Thread input = new Thread(() -> {
            try {
                List<E> b;
                while (failure.get() == null && (b = source.next(batchSize)) != null) {
                    in[0] += b.size();
                    offer(queue, new Batch<>(batches.getAndIncrement(), b), failure);
                }
                for (int w = 0; w < workers; w++) {
                    offer(queue, end, failure);
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
                    filter.filter(new ArrayList<>());
                    while (true) {
                        Batch<E> b = queue.poll(100, TimeUnit.MILLISECONDS);
                        if (b == null) {
                            if (failure.get() != null) {
                                break;
                            }
                            continue;
                        }
                        if (b == end) {
                            break;
                        }
                        hooks.before(b.index(), b.events());
                        long t0 = System.nanoTime();
                        Collection<E> result = filter.filter(b.events());
                        long took = System.nanoTime() - t0;
                        hooks.filtered(b.index(), result, took);
                        synchronized (lock) {
                            timings.add(new long[] {b.index(), took, b.events().size()});
                            done.put(b.index(), result);
                            // Whoever completes the next batch in order writes every batch now in order.
                            while (done.containsKey(nextToWrite[0])) {
                                for (E e : done.remove(nextToWrite[0])) {
                                    if (!cancelled.test(e)) {
                                        sink.write(e);
                                        out[0]++;
                                    }
                                }
                                nextToWrite[0]++;
                                written.add(System.nanoTime());
                            }
                        }
                        hooks.after(b.index());
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
            throw new IllegalStateException(filterName + " threw (a filter must never throw): " + f, f);
        }
        int total = batches.get();
        int warmFrom = warmFromEvent < 0 ? total / 2 : (int) Math.min(total, warmFromEvent / batchSize);
        long filterNanos = 0;
        long lateNanos = 0;
        long lateEvents = 0;
        for (long[] t : timings) {
            filterNanos += t[1];
            if (t[0] >= warmFrom) {
                lateNanos += t[1];
                lateEvents += t[2];
            }
        }
        // Batches are written in order: batch i's moment is written.get(i), and the window from the
        // end of batch warmFrom - 1 (or the run's start, for a mark in the first batch) holds
        // exactly the batches lateEvents counts.
        long windowStart = warmFrom == 0 ? startedAt : written.isEmpty() ? 0 : written.get(Math.min(written.size() - 1, warmFrom - 1));
        long lateWallNanos = written.isEmpty() ? 0 : written.get(written.size() - 1) - windowStart;
        return new Result(in[0], out[0], total, filterNanos, lateNanos, lateEvents, lateWallNanos);
    }

    /** Waits for room in the queue, unless the run has failed (then the batch is dropped). */
    private static <E> void offer(BlockingQueue<Batch<E>> queue, Batch<E> b, AtomicReference<Throwable> failure) throws InterruptedException {
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
