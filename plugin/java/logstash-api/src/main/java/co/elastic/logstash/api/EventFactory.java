package co.elastic.logstash.api;

import java.io.Serializable;
import java.util.HashMap;
import java.util.Map;

@FunctionalInterface
public interface EventFactory {
    default Event newEvent() {
        return newEvent(new HashMap<>());
    }

    Event newEvent(final Map<? extends Serializable, Object> data);
}
