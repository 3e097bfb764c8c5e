package co.elastic.logstash.api;

public interface Metric {
    NamespacedMetric namespace(String... key);
}
