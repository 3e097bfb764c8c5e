package co.elastic.logstash.api;

public interface UserMetric<VALUE_TYPE> {
    VALUE_TYPE getValue();

    interface Factory<USER_METRIC extends UserMetric<?>> {
        USER_METRIC create(String name);
    }

    class Provider<USER_METRIC extends UserMetric<?>> {
    }
}
