package io.mispenrich.harness;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;

import co.elastic.logstash.api.CounterMetric;
import co.elastic.logstash.api.Metric;
import co.elastic.logstash.api.NamespacedMetric;
import co.elastic.logstash.api.TimerMetric;
import co.elastic.logstash.api.UserMetric;

/**
 * A namespaced metric as Logstash hands one to a plugin (its NamespacedMetricImpl), over an
 * inspectable {@link MetricStore}: counters and timers are numbers, gauges hold their value.
 */
final class HarnessMetric implements NamespacedMetric {

    private final MetricStore store;
    private final String[] namespace;

    HarnessMetric(MetricStore store, String... namespace) {
        this.store = store;
        this.namespace = namespace;
    }

    static HarnessMetric newStore() {
        return new HarnessMetric(new MetricStore());
    }

    Map<String, Object> snapshot() {
        return store.snapshot();
    }

    private List<String> path(String metric) {
        List<String> p = new ArrayList<>(Arrays.asList(namespace));
        p.add(metric);
        return p;
    }

    private AtomicLong cell(String metric) {
        return store.number(path(metric));
    }

    @Override
    public NamespacedMetric namespace(String... key) {
        String[] ns = Arrays.copyOf(namespace, namespace.length + key.length);
        System.arraycopy(key, 0, ns, namespace.length, key.length);
        return new HarnessMetric(store, ns);
    }

    @Override
    public void gauge(String metric, Object value) {
        store.gauge(path(metric)).set(value);
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
