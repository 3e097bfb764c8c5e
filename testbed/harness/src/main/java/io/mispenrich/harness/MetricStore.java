package io.mispenrich.harness;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * Every metric of a run, by path, with the rules of Logstash's metric store that a plugin can run
 * into: a metric cannot sit where a namespace is needed (asking for [a][b][c] when [a][b] is a
 * metric fails, which fails the pipeline's start when it happens there), and a metric asked for
 * where a namespace already is comes back detached, stored nowhere.
 */
final class MetricStore {

    /** A counter or timer is an AtomicLong, a gauge an AtomicReference. */
    private final Map<List<String>, Object> metrics = new ConcurrentHashMap<>();

    AtomicLong number(List<String> path) {
        return fetchOrStore(path, AtomicLong.class, AtomicLong::new);
    }

    @SuppressWarnings("unchecked")
    AtomicReference<Object> gauge(List<String> path) {
        return fetchOrStore(path, AtomicReference.class, AtomicReference::new);
    }

    private <T> T fetchOrStore(List<String> path, Class<T> type, Supplier<T> create) {
        Object known = metrics.get(path);
        if (known == null) {
            synchronized (this) {
                known = metrics.get(path);
                if (known == null) {
                    for (int i = 1; i < path.size(); i++) {
                        if (metrics.containsKey(path.subList(0, i))) {
                            throw new IllegalStateException("Expecting a `Namespaces` but found a metric for namespaces_path: "
                                    + path.subList(0, i) + " (asked for " + path + ")");
                        }
                    }
                    T created = create.get();
                    boolean namespaceHere = metrics.keySet().stream()
                            .anyMatch(k -> k.size() > path.size() && k.subList(0, path.size()).equals(path));
                    if (!namespaceHere) {
                        metrics.put(List.copyOf(path), created);
                    }
                    return created;
                }
            }
        }
        if (!type.isInstance(known)) {
            throw new IllegalStateException("the metric at " + path + " is not a " + type.getSimpleName());
        }
        return type.cast(known);
    }

    /** Every metric's value, by dotted path. */
    Map<String, Object> snapshot() {
        Map<String, Object> out = new TreeMap<>();
        metrics.forEach((path, m) -> out.put(String.join(".", path),
                m instanceof AtomicLong l ? (Object) l.get() : ((AtomicReference<?>) m).get()));
        return out;
    }
}
