package co.elastic.logstash.api;

import org.apache.logging.log4j.Logger;

public interface Context {
    DeadLetterQueueWriter getDlqWriter();

    NamespacedMetric getMetric(Plugin plugin);

    Logger getLogger(Plugin plugin);

    DeprecationLogger getDeprecationLogger(Plugin plugin);

    EventFactory getEventFactory();
}
