package io.mispenrich.logstash.enrich;

import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The host's memory of what the core said a log value's lookup keys are: (datatype, value) → keys.
 * Log values repeat (the same clients, resolvers and sites), and turning a value into its keys is
 * the core's costliest work in GraalJS's interpreter, so a value this memory holds never enters
 * GraalJS again. Shared by every pipeline worker: two generations of concurrent maps (see
 * {@link Store}) bound it and make it safe under concurrency.
 *
 * <p>A value's keys depend on what the agent publishes under the meta key (the CIDR prefix lengths
 * in use, the key scheme): the core names that as a plan. The memory is valid for one meta value;
 * when the meta value changes, the batch that notices asks the core for all its values again, and
 * the remembered keys are kept only if the plan is the same, else forgotten at once.
 *
 * <p>Size: {@code value_cache_size} is a weight, one per value whose value and keys take up to
 * {@link #BYTES_PER_WEIGHT} bytes, one more for each further {@link #BYTES_PER_WEIGHT}; so the
 * memory never holds much more than that many KiB. Values over {@link #MAX_VALUE_CHARS} characters
 * (long URLs rarely repeat) are not remembered.
 *
 * <p>With retro_keys, a second store of the same shape holds each value's hunt keys, which do not
 * depend on the meta value; it lives and is forgotten with the lookup keys, so the two always
 * come from the same answer of the core.
 */
public final class ValueMemory {

    /** The keys of a value that does not parse as its datatype (counted as invalid). */
    public static final String[] INVALID = new String[0];
    /** The keys of a value with nothing to look up (blank): not counted. */
    public static final String[] NOTHING = new String[0];

    static final int BYTES_PER_WEIGHT = 1024;
    static final int MAX_VALUE_CHARS = 8192;
    /** A meta value no lookup can return: the memory before the first batch. */
    private static final String NEVER = new String("never looked");

    /** The remembered keys valid for one meta value. */
    public static final class Generation {
        private final String meta;
        private final String plan;
        private final Store keys;
        private final Store hunt;

        private Generation(String meta, String plan, Store keys, Store hunt) {
            this.meta = meta;
            this.plan = plan;
            this.keys = keys;
            this.hunt = hunt;
        }

        /** True if these keys were computed for this meta value (null: the host has not looked yet). */
        public boolean isFor(String metaValue) {
            return meta != NEVER && Objects.equals(meta, metaValue);
        }

        /** The remembered keys, or null. */
        public String[] get(int datatype, String raw) {
            return keys == null ? null : keys.get(datatype, raw);
        }

        /** The remembered hunt keys (retro_keys), or null. */
        public String[] hunt(int datatype, String raw) {
            return hunt == null ? null : hunt.get(datatype, raw);
        }

        void put(int datatype, String raw, String[] k, String[] h) {
            if (keys != null && raw.length() <= MAX_VALUE_CHARS) {
                keys.put(datatype, raw, k);
                if (hunt != null && h != null) {
                    hunt.put(datatype, raw, h);
                }
            }
        }
    }

    private final long size;
    private final boolean withHunt;
    private final AtomicReference<Generation> current;

    /** @param size the weight the memory may hold (value_cache_size); 0 remembers nothing */
    public ValueMemory(long size) {
        this(size, false);
    }

    /** @param withHunt also remember hunt keys (retro_keys) */
    public ValueMemory(long size, boolean withHunt) {
        this.size = size;
        this.withHunt = withHunt;
        this.current = new AtomicReference<>(new Generation(NEVER, null, null, null));
    }

    private Store newStore() {
        return size <= 0 ? null : new Store(size);
    }

    private Store newHuntStore() {
        return size <= 0 || !withHunt ? null : new Store(size);
    }

    /**
     * Two generations of plain concurrent maps: values are remembered in the young one; a value
     * found only in the old one moves back to the young one; when the young one holds half the
     * weight, it becomes the old one and the old one is dropped, in O(1). So what comes back within
     * about half the memory's size stays, and the whole never holds much more than its weight.
     * Cheaper per look-up than a cache with per-entry recency or frequency bookkeeping, which cost
     * more time in the filter than their better hit rate saved.
     *
     * <p>One map per datatype, keyed by the value's own String: a look-up allocates nothing and
     * reaches the key's characters in one step fewer than through a (datatype, value) record,
     * which JFR showed as 12 % of a warm worker's time (bench/filter/profile.ts). Each young map
     * starts at a size that spares it most of its resizes in every generation.
     */
    static final class Store {
        /** More than the core has datatypes; a datatype index past it is never remembered. */
        static final int SLOTS = 32;
        private final long half;
        private final int presize;
        private final AtomicLong youngWeight = new AtomicLong();
        private volatile Maps young;
        private volatile Maps old;

        Store(long weight) {
            this.half = Math.max(1, weight / 2);
            this.presize = (int) Math.min(half, 1 << 14);
            this.young = new Maps(presize);
            this.old = new Maps(presize);
        }

        String[] get(int datatype, String raw) {
            if (datatype < 0 || datatype >= SLOTS) {
                return null;
            }
            ConcurrentHashMap<String, String[]> y = young.of(datatype);
            String[] v = y == null ? null : y.get(raw);
            if (v == null) {
                ConcurrentHashMap<String, String[]> o = old.of(datatype);
                v = o == null ? null : o.get(raw);
                if (v != null) {
                    put(datatype, raw, v);
                }
            }
            return v;
        }

        void put(int datatype, String raw, String[] v) {
            if (datatype < 0 || datatype >= SLOTS) {
                return;
            }
            if (young.create(datatype).putIfAbsent(raw, v) == null && youngWeight.addAndGet(1 + bytes(raw, v) / BYTES_PER_WEIGHT) > half) {
                rotate();
            }
        }

        private synchronized void rotate() {
            if (youngWeight.get() <= half) {
                return;
            }
            old = young;
            young = new Maps(presize);
            youngWeight.set(0);
        }

        long size() {
            return young.size() + old.size();
        }
    }

    /** One generation's maps, one per datatype, made when the datatype first comes. */
    private static final class Maps {
        private final AtomicReferenceArray<ConcurrentHashMap<String, String[]>> byType = new AtomicReferenceArray<>(Store.SLOTS);
        private final int presize;

        Maps(int presize) {
            this.presize = presize;
        }

        ConcurrentHashMap<String, String[]> of(int datatype) {
            return byType.get(datatype);
        }

        ConcurrentHashMap<String, String[]> create(int datatype) {
            ConcurrentHashMap<String, String[]> m = byType.get(datatype);
            if (m == null) {
                ConcurrentHashMap<String, String[]> made = new ConcurrentHashMap<>(presize);
                m = byType.compareAndSet(datatype, null, made) ? made : byType.get(datatype);
            }
            return m;
        }

        long size() {
            long n = 0;
            for (int d = 0; d < byType.length(); d++) {
                ConcurrentHashMap<String, String[]> m = byType.get(d);
                n += m == null ? 0 : m.size();
            }
            return n;
        }
    }

    /** What a value and its keys take on the heap, roughly (strings, arrays, the entry itself). */
    static long bytes(String raw, String[] v) {
        long b = 96 + 40 + raw.length() * 2L + 16 + 8L * v.length;
        for (String key : v) {
            b += 40 + key.length();
        }
        return b;
    }

    public Generation current() {
        return current.get();
    }

    /**
     * The generation for keys the core just computed for {@code meta} under {@code plan}: the
     * current one if it is for this meta value, else a new one that keeps the remembered keys only
     * if the plan is the same. Null if another worker moved on meanwhile (then nothing is kept).
     */
    public Generation generationFor(Generation seen, String meta, String plan) {
        if (seen.isFor(meta) && Objects.equals(seen.plan, plan)) {
            return seen;
        }
        boolean samePlan = Objects.equals(seen.plan, plan);
        Store keep = samePlan ? seen.keys : newStore();
        // Hunt keys do not depend on the plan, but they are forgotten with the lookup keys they came with.
        Store keepHunt = samePlan ? seen.hunt : newHuntStore();
        Generation next = new Generation(meta, plan, keep, keepHunt);
        return current.compareAndSet(seen, next) ? next : null;
    }

    /** Values remembered now (approximate). */
    public long remembered() {
        Store c = current.get().keys;
        return c == null ? 0 : c.size();
    }
}
