package co.elastic.logstash.api;

public interface FilterMatchListener {
    void filterMatched(Event e);
}
