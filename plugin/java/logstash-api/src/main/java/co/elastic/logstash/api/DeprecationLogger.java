package co.elastic.logstash.api;

public interface DeprecationLogger {
    void deprecated(String message, Object... params);
}
