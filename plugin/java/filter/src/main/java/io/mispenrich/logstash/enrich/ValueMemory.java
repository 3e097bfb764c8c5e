package io.mispenrich.logstash.enrich;

import java.util.Objects;
import java.util.concurrent.atomic.AtomicReference;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;

/**
 * The host's memory of what the core said a log value's lookup keys are: (datatype, value) → keys.
 * Log values repeat (the same clients, resolvers and sites), and turning a value into its keys is
 * the core's costliest work in GraalJS's interpreter, so a value this memory holds never enters
 * GraalJS again. Shared by every pipeline worker; Caffeine bounds it (W-TinyLFU keeps the values
 * that come back most) and makes it safe under concurrency.
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

    /** A value of a datatype (the index of the datatype in the core's field list). */
    record ValueKey(int datatype, String raw) {
    }

    /** The remembered keys valid for one meta value. */
    public static final class Generation {
        private final String meta;
        private final String plan;
        private final Cache<ValueKey, String[]> keys;

        private Generation(String meta, String plan, Cache<ValueKey, String[]> keys) {
            this.meta = meta;
            this.plan = plan;
            this.keys = keys;
        }

        /** True if these keys were computed for this meta value (null: the host has not looked yet). */
        public boolean isFor(String metaValue) {
            return meta != NEVER && Objects.equals(meta, metaValue);
        }

        /** The remembered keys, or null. */
        public String[] get(int datatype, String raw) {
            return keys == null ? null : keys.getIfPresent(new ValueKey(datatype, raw));
        }

        void put(int datatype, String raw, String[] k) {
            if (keys != null && raw.length() <= MAX_VALUE_CHARS) {
                keys.put(new ValueKey(datatype, raw), k);
            }
        }
    }

    private final long size;
    private final AtomicReference<Generation> current;

    /** @param size the weight the memory may hold (value_cache_size); 0 remembers nothing */
    public ValueMemory(long size) {
        this.size = size;
        this.current = new AtomicReference<>(new Generation(NEVER, null, null));
    }

    private Cache<ValueKey, String[]> newCache() {
        if (size <= 0) {
            return null;
        }
        return Caffeine.newBuilder()
                .maximumWeight(size)
                .weigher((ValueKey k, String[] v) -> 1 + (int) (bytes(k, v) / BYTES_PER_WEIGHT))
                // Maintenance runs on the calling thread: no ForkJoinPool threads to outlive close().
                .executor(Runnable::run)
                .build();
    }

    /** What a value and its keys take on the heap, roughly (strings, arrays, the entry itself). */
    static long bytes(ValueKey k, String[] v) {
        long b = 96 + 40 + k.raw().length() * 2L + 16 + 8L * v.length;
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
        Cache<ValueKey, String[]> keep = Objects.equals(seen.plan, plan) ? seen.keys : newCache();
        Generation next = new Generation(meta, plan, keep);
        return current.compareAndSet(seen, next) ? next : null;
    }

    /** Values remembered now (approximate). */
    public long remembered() {
        Cache<ValueKey, String[]> c = current.get().keys;
        return c == null ? 0 : c.estimatedSize();
    }
}
