package io.mispenrich.harness;

import java.util.Arrays;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import co.elastic.logstash.api.CounterMetric;
import co.elastic.logstash.api.Metric;
import co.elastic.logstash.api.NamespacedMetric;
import co.elastic.logstash.api.TimerMetric;
import co.elastic.logstash.api.UserMetric;

/** An inspectable metric store: every counter and timer, by dotted namespace path. */
final class HarnessMetric implements NamespacedMetric {

    private final Map<String, AtomicLong> store;
    private final String[] namespace;

    HarnessMetric(Map<String, AtomicLong> store, String... namespace) {
        this.store = store;
        this.namespace = namespace;
    }

    static HarnessMetric newStore() {
        return new HarnessMetric(new ConcurrentHashMap<>());
    }

    Map<String, Long> snapshot() {
        Map<String, Long> out = new TreeMap<>();
        store.forEach((k, v) -> out.put(k, v.get()));
        return out;
    }

    private AtomicLong cell(String metric) {
        String key = String.join(".", namespace) + (namespace.length == 0 ? "" : ".") + metric;
        return store.computeIfAbsent(key, k -> new AtomicLong());
    }

    @Override
    public NamespacedMetric namespace(String... key) {
        String[] ns = Arrays.copyOf(namespace, namespace.length + key.length);
        System.arraycopy(key, 0, ns, namespace.length, key.length);
        return new HarnessMetric(store, ns);
    }

    @Override
    public void gauge(String metric, Object value) {
        if (value instanceof Number n) {
            cell(metric).set(n.longValue());
        }
    }

    @Override
    public CounterMetric counter(String metric) {
        AtomicLong c = cell(metric);
        return new CounterMetric() {
            @Override
            public void increment() {
                c.incrementAndGet();
            }

            @Override
            public void increment(long delta) {
                c.addAndGet(delta);
            }

            @Override
            public long getValue() {
                return c.get();
            }

            @Override
            public void reset() {
                c.set(0);
            }
        };
    }

    @Override
    public TimerMetric timer(String metric) {
        AtomicLong c = cell(metric);
        return new TimerMetric() {
            @Override
            public <T, E extends Throwable> T time(ExceptionalSupplier<T, E> supplier) throws E {
                long t0 = System.nanoTime();
                try {
                    return supplier.get();
                } finally {
                    c.addAndGet((System.nanoTime() - t0) / 1_000_000L);
                }
            }

            @Override
            public void reportUntrackedMillis(long untrackedMillis) {
                c.addAndGet(untrackedMillis);
            }
        };
    }

    @Override
    public <USER_METRIC extends UserMetric<?>> USER_METRIC register(String metric, UserMetric.Factory<USER_METRIC> factory) {
        return factory.create(metric);
    }

    @Override
    public void increment(String metric) {
        cell(metric).incrementAndGet();
    }

    @Override
    public void increment(String metric, int delta) {
        cell(metric).addAndGet(delta);
    }

    @Override
    public <T> T time(String metric, Supplier<T> callable) {
        long t0 = System.nanoTime();
        try {
            return callable.get();
        } finally {
            cell(metric).addAndGet((System.nanoTime() - t0) / 1_000_000L);
        }
    }

    @Override
    public void reportTime(String metric, long duration) {
        cell(metric).addAndGet(duration);
    }

    @Override
    public String[] namespaceName() {
        return namespace.clone();
    }

    @Override
    public Metric root() {
        return new HarnessMetric(store);
    }
}
