package io.mispenrich.logstashreal;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import org.jruby.RubyArray;
import org.jruby.api.Create;
import org.logstash.Event;
import org.logstash.RubyUtil;
import org.logstash.config.ir.compiler.AbstractFilterDelegatorExt;
import org.logstash.ext.JrubyEventExtLibrary.RubyEvent;

/**
 * Drives a filter delegator as a Logstash pipeline's workers do: an input thread makes batches of
 * up to batchSize events, N worker threads each take the next batch and call
 * {@code multi_filter} (a RubyArray of RubyEvents) on the SAME delegator at once, and what comes
 * back is written in input order, cancelled events left out. Each worker first sends one empty
 * batch, as the stand-in does.
 */
final class BatchRun {

    private BatchRun() {
    }

    interface Source {
        /** The next batch of up to max events, or null at the end. */
        List<Event> next(int max) throws IOException;
    }

    interface Sink {
        void write(Event event) throws IOException;
    }

    record Result(long eventsIn, long eventsOut, int batches) {
    }

    private record Batch(int index, List<Event> events) {
    }

    private static final Batch END = new Batch(-1, List.of());

    static Result run(AbstractFilterDelegatorExt filter, Source source, Sink sink, int workers, int batchSize) throws IOException {
        BlockingQueue<Batch> queue = new ArrayBlockingQueue<>(Math.max(2, workers * 2));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicInteger batches = new AtomicInteger();
        long[] in = {0};
        long[] out = {0};
        Map<Integer, List<Event>> done = new HashMap<>();
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
                    filter.multiFilter(Create.newArray(RubyUtil.RUBY.getCurrentContext()));
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
                        List<Event> result = unwrap(filter.multiFilter(wrap(b.events())));
                        synchronized (lock) {
                            done.put(b.index(), result);
                            while (done.containsKey(nextToWrite[0])) {
                                for (Event e : done.remove(nextToWrite[0])) {
                                    if (!e.isCancelled()) {
                                        sink.write(e);
                                        out[0]++;
                                    }
                                }
                                nextToWrite[0]++;
                            }
                        }
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
            throw new IllegalStateException("multi_filter threw (a filter must never throw): " + f, f);
        }
        return new Result(in[0], out[0], batches.get());
    }

    @SuppressWarnings({"rawtypes", "unchecked"})
    private static RubyArray wrap(List<Event> events) {
        RubyArray batch = RubyArray.newArray(RubyUtil.RUBY, events.size());
        for (Event e : events) {
            batch.add(RubyEvent.newRubyEvent(RubyUtil.RUBY, e));
        }
        return batch;
    }

    @SuppressWarnings("rawtypes")
    private static List<Event> unwrap(RubyArray result) {
        List<Event> out = new ArrayList<>(result.size());
        for (int i = 0; i < result.size(); i++) {
            out.add(((RubyEvent) result.eltInternal(i)).getEvent());
        }
        return out;
    }

    private static void offer(BlockingQueue<Batch> queue, Batch b, AtomicReference<Throwable> failure) throws InterruptedException {
        while (!queue.offer(b, 100, TimeUnit.MILLISECONDS)) {
            if (failure.get() != null) {
                return;
            }
        }
    }

    private static void join(Thread t) {
        try {
            t.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted");
        }
    }
}
