package co.elastic.logstash.api;

public interface CounterMetric {
    void increment();

    void increment(long delta);

    long getValue();

    void reset();
}
