package io.mispenrich.logstash.sightings;

import co.elastic.logstash.api.CounterMetric;
import co.elastic.logstash.api.NamespacedMetric;

/**
 * The sightings sender's counters as the filter's Logstash metrics (sightings_requests,
 * sightings_sent, sightings_failures, sightings_dropped). Registered with the filter's other
 * metrics whether sightings are on or not, so a monitoring setup sees the same names either way.
 */
public final class SightingsMetrics implements SightingsSender.Counters {

    private final CounterMetric requests;
    private final CounterMetric sent;
    private final CounterMetric failures;
    private final CounterMetric dropped;

    public SightingsMetrics(NamespacedMetric metric) {
        this.sent = metric.counter("sightings_sent");
        this.requests = metric.counter("sightings_requests");
        this.failures = metric.counter("sightings_failures");
        this.dropped = metric.counter("sightings_dropped");
    }

    @Override
    public void request() {
        requests.increment();
    }

    @Override
    public void sent(long sightings) {
        sent.increment(sightings);
    }

    @Override
    public void failed() {
        failures.increment();
    }

    @Override
    public void dropped(long sightings) {
        dropped.increment(sightings);
    }
}
