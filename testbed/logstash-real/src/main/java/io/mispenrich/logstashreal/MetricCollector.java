package io.mispenrich.logstashreal;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;
import org.jruby.Ruby;
import org.jruby.RubyArray;
import org.jruby.RubyClass;
import org.jruby.RubyObject;
import org.jruby.anno.JRubyMethod;
import org.jruby.api.Access;
import org.jruby.api.Define;
import org.jruby.exceptions.RaiseException;
import org.jruby.javasupport.JavaUtil;
import org.jruby.runtime.Block;
import org.jruby.runtime.ThreadContext;
import org.jruby.runtime.builtin.IRubyObject;
import org.logstash.instrument.metrics.Metric;
import org.logstash.instrument.metrics.UptimeMetric;
import org.logstash.instrument.metrics.counter.LongCounter;
import org.logstash.instrument.metrics.gauge.GaugeMetric;
import org.logstash.instrument.metrics.gauge.LazyDelegatingGauge;
import org.logstash.instrument.metrics.timer.TimerMetric;

/**
 * The metric collector behind Logstash's metric classes. Logstash's own collector and metric store
 * are Ruby code (logstash-core/lib/logstash/instrument/collector.rb and metric_store.rb), not part
 * of the compiled logstash-core jar, so this is a Ruby object written in Java with the same
 * contract as seen by MetricExt and NamespacedMetricExt: {@code push}, {@code get} and
 * {@code register}, a tree of namespaces holding Logstash's own Java metric objects (LongCounter,
 * LazyDelegatingGauge, TimerMetric, UptimeMetric), and the store's rules that matter to a plugin:
 * a metric where a namespace is expected is an error ({@code get} raises it, {@code push} logs it),
 * and a metric asked for where a namespace already is comes back detached (stored nowhere).
 * {@link #nodeStatsFilters} renders the tree as the node stats API shows a pipeline's filters.
 */
public final class MetricCollector extends RubyObject {

    private static final long serialVersionUID = 1L;
    private static final Logger LOGGER = LogManager.getLogger("logstash.instrument.collector");

    private final transient Map<String, Object> store = new ConcurrentHashMap<>();
    /** Metrics already handed out, by full path (the store's fast lookup). */
    private final transient Map<List<String>, Object> handedOut = new ConcurrentHashMap<>();
    private final transient Object lock = new Object();
    private transient RubyClass namespacesExpectedError;

    /** Defines the Ruby class once and returns a new, empty collector. */
    public static MetricCollector create(Ruby runtime) {
        ThreadContext context = runtime.getCurrentContext();
        synchronized (MetricCollector.class) {
            RubyClass cls = Access.objectClass(context).getClass(context, "MispEnrichMetricCollector");
            if (cls == null) {
                cls = Define.defineClass(context, "MispEnrichMetricCollector", Access.objectClass(context), MetricCollector::new);
                cls.defineMethods(context, MetricCollector.class);
                RubyClass standardError = Access.standardErrorClass(context);
                cls.defineClassUnder(context, "NamespacesExpectedError", standardError, standardError.getAllocator());
            }
            MetricCollector c = new MetricCollector(runtime, cls);
            c.namespacesExpectedError = cls.getClass(context, "NamespacesExpectedError");
            return c;
        }
    }

    public MetricCollector(Ruby runtime, RubyClass metaClass) {
        super(runtime, metaClass);
    }

    /** push(namespaces, key, type, action, value): counters increment, gauges set; errors are logged, never raised. */
    @JRubyMethod(name = "push", required = 3, rest = true)
    public IRubyObject push(ThreadContext context, IRubyObject[] args) {
        IRubyObject value = args.length > 4 ? args[4] : context.nil;
        String type = args[2].asJavaString();
        try {
            Object metric = fetchOrStore(path(args[0]), args[1].asJavaString(), () -> newMetric(type, args[1].asJavaString()));
            if (type.equals("gauge") && metric instanceof GaugeMetric<?, ?> g) {
                @SuppressWarnings("unchecked")
                GaugeMetric<Object, Object> gauge = (GaugeMetric<Object, Object>) g;
                gauge.set(value.toJava(Object.class));
            } else if (type.equals("counter") && metric instanceof LongCounter c) {
                Long by = value.isNil() ? Long.valueOf(1L) : value.toJava(Long.class);
                c.increment(by);
            } else {
                LOGGER.error("Collector: Cannot record metric action {} on <{}> at path {}/{}", type, metric, path(args[0]), args[1]);
            }
        } catch (RaiseException e) {
            LOGGER.error("Collector: Cannot record metric", e);
        }
        return context.nil;
    }

    /** get(namespaces, key, type): the metric at that place, created on first use. */
    @JRubyMethod(name = "get")
    public IRubyObject get(ThreadContext context, IRubyObject namespaces, IRubyObject key, IRubyObject type) {
        String k = key.asJavaString();
        Object metric = fetchOrStore(path(namespaces), k, () -> newMetric(type.asJavaString(), k));
        return JavaUtil.convertJavaToUsableRubyObject(context.runtime, metric);
    }

    /** register(namespaces, key) { supplier }: the metric at that place, the block's when there is none yet. */
    @JRubyMethod(name = "register")
    public IRubyObject register(ThreadContext context, IRubyObject namespaces, IRubyObject key, Block supplier) {
        Object metric = fetchOrStore(path(namespaces), key.asJavaString(), () -> supplier.yield(context, key).toJava(Object.class));
        return JavaUtil.convertJavaToUsableRubyObject(context.runtime, metric);
    }

    private static Object newMetric(String type, String key) {
        return switch (type) {
            case "counter" -> new LongCounter(key);
            case "gauge" -> new LazyDelegatingGauge(key);
            case "timer" -> TimerMetric.create(key);
            case "uptime" -> new UptimeMetric(key);
            default -> throw new IllegalArgumentException("Unknown Metric Type `" + type + "`");
        };
    }

    private static List<String> path(IRubyObject namespaces) {
        List<String> out = new ArrayList<>();
        if (namespaces instanceof RubyArray<?> a) {
            for (int i = 0; i < a.size(); i++) {
                out.add(a.eltInternal(i).asJavaString());
            }
        } else {
            out.add(namespaces.asJavaString());
        }
        return out;
    }

    @SuppressWarnings("unchecked")
    private Object fetchOrStore(List<String> namespaces, String key, Supplier<Object> create) {
        List<String> full = new ArrayList<>(namespaces);
        full.add(key);
        Object known = handedOut.get(full);
        if (known != null) {
            return known;
        }
        synchronized (lock) {
            known = handedOut.get(full);
            if (known != null) {
                return known;
            }
            Object created = create.get();
            Map<String, Object> node = store;
            for (int i = 0; i < namespaces.size(); i++) {
                Object next = node.computeIfAbsent(namespaces.get(i), k -> new ConcurrentHashMap<String, Object>());
                if (!(next instanceof Map<?, ?>)) {
                    throw getRuntime().newRaiseException(namespacesExpectedError, "Expecting a `Namespaces` but found class:  "
                            + next.getClass().getName() + " for namespaces_path: " + namespaces.subList(0, i + 1));
                }
                node = (Map<String, Object>) next;
            }
            // As the store does: a namespace already at this key stays, and the new metric is
            // handed out anyway, stored nowhere.
            node.putIfAbsent(key, created);
            handedOut.put(full, created);
            return created;
        }
    }

    /** Every metric under the path, by dotted path below it, with its value. */
    public Map<String, Object> flatten(List<String> under) {
        Map<String, Object> out = new java.util.TreeMap<>();
        Object node = at(under);
        if (node instanceof Map<?, ?> m) {
            flattenInto("", m, out);
        }
        return out;
    }

    private static void flattenInto(String prefix, Map<?, ?> node, Map<String, Object> out) {
        for (Map.Entry<?, ?> e : node.entrySet()) {
            String name = prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey();
            if (e.getValue() instanceof Map<?, ?> m) {
                flattenInto(name, m, out);
            } else {
                out.put(name, value(e.getValue()));
            }
        }
    }

    private Object at(List<String> path) {
        Object node = store;
        for (String p : path) {
            if (!(node instanceof Map<?, ?> m)) {
                return null;
            }
            node = m.get(p);
        }
        return node;
    }

    /**
     * A pipeline's filters as GET _node/stats/pipelines shows them: one entry per filter id,
     * {"id": ..., "name": ..., "events": {...}, and every metric the plugin registered}.
     */
    public List<Map<String, Object>> nodeStatsFilters(String pipelineId) {
        List<Map<String, Object>> out = new ArrayList<>();
        Object filters = at(List.of("stats", "pipelines", pipelineId, "plugins", "filters"));
        if (filters instanceof Map<?, ?> byId) {
            for (Map.Entry<?, ?> e : byId.entrySet()) {
                Map<String, Object> entry = new LinkedHashMap<>();
                entry.put("id", String.valueOf(e.getKey()));
                if (e.getValue() instanceof Map<?, ?> data) {
                    entry.putAll(tree(data));
                }
                out.add(entry);
            }
        }
        return out;
    }

    private static Map<String, Object> tree(Map<?, ?> node) {
        Map<String, Object> out = new java.util.TreeMap<>();
        for (Map.Entry<?, ?> e : node.entrySet()) {
            out.put(String.valueOf(e.getKey()), e.getValue() instanceof Map<?, ?> m ? tree(m) : value(e.getValue()));
        }
        return out;
    }

    /** As the API serializes a metric: its value (AbstractMetric's @JsonValue). */
    private static Object value(Object metric) {
        return metric instanceof Metric<?> m ? m.getValue() : String.valueOf(metric);
    }
}
