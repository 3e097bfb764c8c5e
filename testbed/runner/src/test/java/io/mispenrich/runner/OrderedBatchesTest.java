package io.mispenrich.runner;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;

class OrderedBatchesTest {

    /** Numbers 0..n-1 in batches as asked for. */
    private static OrderedBatches.Source<Integer> numbers(int n) {
        int[] next = {0};
        return max -> {
            if (next[0] >= n) {
                return null;
            }
            List<Integer> batch = new ArrayList<>();
            while (batch.size() < max && next[0] < n) {
                batch.add(next[0]++);
            }
            return batch;
        };
    }

    @Test
    void writesInInputOrderWhateverOrderTheWorkersFinishIn() throws IOException {
        List<Integer> out = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger calls = new AtomicInteger();
        OrderedBatches.Result r = new OrderedBatches<Integer>("filter()", e -> false, 4, 7).run(numbers(1000), batch -> {
            calls.incrementAndGet();
            // Later batches often finish first.
            Thread.sleep(ThreadLocalRandom.current().nextInt(3));
            return batch;
        }, out::add, new OrderedBatches.Hooks<>() {
        });
        List<Integer> expected = new ArrayList<>();
        for (int i = 0; i < 1000; i++) {
            expected.add(i);
        }
        assertEquals(expected, out);
        assertEquals(1000, r.eventsIn());
        assertEquals(1000, r.eventsOut());
        assertEquals(143, r.batches());
        // One empty batch per worker first, as Logstash's workers send.
        assertEquals(143 + 4, calls.get());
        // The second half: batches 71 to 142, 71 of 7 events and the last of 6.
        assertEquals(71 * 7 + 6, r.lateEvents());
        assertTrue(r.lateWallNanos() > 0 && r.lateNanos() > 0 && r.filterNanos() >= r.lateNanos());
    }

    @Test
    void measuresAsWarmTheBatchesFromTheMarkGiven() throws IOException {
        // 1000 events in batches of 10; the mark at event 905 falls in batch 90: batches 90..99 count.
        OrderedBatches.Result r = new OrderedBatches<Integer>("filter()", e -> false, 2, 10, 905).run(numbers(1000), batch -> batch, e -> {
        }, new OrderedBatches.Hooks<>() {
        });
        assertEquals(100, r.lateEvents());
        assertTrue(r.lateWallNanos() > 0 && r.filterNanos() >= r.lateNanos());
        // A mark past the end measures nothing rather than failing.
        OrderedBatches.Result none = new OrderedBatches<Integer>("filter()", e -> false, 1, 10, 5000).run(numbers(100), batch -> batch, e -> {
        }, new OrderedBatches.Hooks<>() {
        });
        assertEquals(0, none.lateEvents());
        assertThrows(IllegalArgumentException.class, () -> new OrderedBatches<Integer>("filter()", e -> false, 1, 10, -2));
    }

    @Test
    void leavesCancelledEventsOutAndCallsTheHooksPerBatch() throws IOException {
        List<Integer> out = new ArrayList<>();
        List<String> seen = Collections.synchronizedList(new ArrayList<>());
        OrderedBatches.Result r = new OrderedBatches<Integer>("filter()", e -> e % 2 == 1, 2, 10).run(numbers(50), batch -> batch, out::add,
                new OrderedBatches.Hooks<>() {
                    @Override
                    public void before(int index, List<Integer> batch) {
                        seen.add("before " + index + " " + batch.size());
                    }

                    @Override
                    public void filtered(int index, Collection<Integer> result, long nanos) {
                        assertTrue(nanos >= 0);
                        seen.add("filtered " + index);
                    }

                    @Override
                    public void after(int index) {
                        seen.add("after " + index);
                    }
                });
        assertEquals(25, r.eventsOut());
        assertTrue(out.stream().allMatch(e -> e % 2 == 0));
        for (int i = 0; i < 5; i++) {
            assertTrue(seen.contains("before " + i + " 10"));
            assertTrue(seen.indexOf("filtered " + i) > seen.indexOf("before " + i + " 10"));
            assertTrue(seen.indexOf("after " + i) > seen.indexOf("filtered " + i));
        }
    }

    @Test
    void aFilterThatThrowsEndsTheRunWithItsName() {
        IllegalStateException e = assertThrows(IllegalStateException.class, () -> new OrderedBatches<Integer>("multi_filter", x -> false, 2, 5)
                .run(numbers(100), batch -> {
                    if (batch.contains(42)) {
                        throw new IllegalArgumentException("boom");
                    }
                    return batch;
                }, x -> {
                }, new OrderedBatches.Hooks<>() {
                }));
        assertTrue(e.getMessage().startsWith("multi_filter threw (a filter must never throw)"), e.getMessage());
    }

    @Test
    void aSinkFailureIsTheRunsIoFailure() {
        IOException e = assertThrows(IOException.class, () -> new OrderedBatches<Integer>("filter()", x -> false, 1, 5)
                .run(numbers(20), batch -> batch, x -> {
                    throw new IOException("disk full");
                }, new OrderedBatches.Hooks<>() {
                }));
        assertEquals("disk full", e.getMessage());
    }

    @Test
    void refusesNoWorkersOrEmptyBatches() {
        assertThrows(IllegalArgumentException.class, () -> new OrderedBatches<Integer>("filter()", x -> false, 0, 5));
        assertThrows(IllegalArgumentException.class, () -> new OrderedBatches<Integer>("filter()", x -> false, 1, 0));
    }
}
