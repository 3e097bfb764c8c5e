package io.mispenrich.logstash.log;

/**
 * The plugin's log, in Logstash's log4j message format ({} placeholders). An interface of its own
 * so that no class of the plugin names a log4j type: under {@code pipeline.plugin_classloaders:
 * true}, Logstash's PluginClassLoader shows a plugin only the JDK, the plugin's own jar and
 * Logstash's co.elastic.logstash / org.logstash packages, so a plugin class that declares a log4j
 * {@code Logger} fails to load (NoClassDefFoundError).
 */
public interface PluginLog {
    void info(String message, Object... params);

    void warn(String message, Object... params);

    void error(String message, Object... params);
}
