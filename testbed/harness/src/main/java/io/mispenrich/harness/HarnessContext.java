package io.mispenrich.harness;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.Map;

import org.apache.logging.log4j.LogManager;
import org.apache.logging.log4j.Logger;

import co.elastic.logstash.api.Context;
import co.elastic.logstash.api.DeadLetterQueueWriter;
import co.elastic.logstash.api.DeprecationLogger;
import co.elastic.logstash.api.EventFactory;
import co.elastic.logstash.api.NamespacedMetric;
import co.elastic.logstash.api.Plugin;

/** Logger, metric and event factory as a pipeline gives them to a plugin; no dead letter queue. */
final class HarnessContext implements Context {

    private final HarnessMetric metric = HarnessMetric.newStore();

    HarnessMetric metricStore() {
        return metric;
    }

    @Override
    public DeadLetterQueueWriter getDlqWriter() {
        return null; // Logstash hands out null when the DLQ is disabled, the default
    }

    /** As Logstash's ContextImpl: [plugins, filters, ID] (under [stats, pipelines, ID] in Logstash). */
    @Override
    public NamespacedMetric getMetric(Plugin plugin) {
        return metric.namespace("plugins", "filters", plugin.getId());
    }

    @Override
    public Logger getLogger(Plugin plugin) {
        return LogManager.getLogger("logstash.filters." + plugin.getName());
    }

    @Override
    public DeprecationLogger getDeprecationLogger(Plugin plugin) {
        Logger logger = LogManager.getLogger("deprecation.logstash.filters." + plugin.getName());
        return (message, params) -> logger.warn(message, params);
    }

    @Override
    public EventFactory getEventFactory() {
        return (Map<? extends Serializable, Object> data) -> {
            Map<String, Object> m = new LinkedHashMap<>();
            data.forEach((k, v) -> m.put(String.valueOf(k), v));
            return new HarnessEvent(m);
        };
    }
}
