package co.elastic.logstash.api;

import java.util.Collection;
import java.util.Collections;

public interface Filter extends Plugin {
    Collection<Event> filter(Collection<Event> events, FilterMatchListener matchListener);

    default void close() {
    }

    default Collection<Event> flush(FilterMatchListener matchListener) {
        return Collections.emptyList();
    }

    default boolean requiresFlush() {
        return false;
    }

    default boolean requiresPeriodicFlush() {
        return false;
    }
}
