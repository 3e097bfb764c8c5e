package io.mispenrich.logstash.log;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;

import co.elastic.logstash.api.Context;
import co.elastic.logstash.api.Plugin;

/**
 * The logger Logstash gives a plugin (Context.getLogger returns a log4j Logger), reached without
 * naming log4j: getLogger is found and called reflectively, and the logger's own methods through
 * method handles bound to it. See {@link PluginLog} for why.
 */
public final class Log4jLog implements PluginLog {

    private final MethodHandle info;
    private final MethodHandle warn;
    private final MethodHandle error;

    private Log4jLog(Object logger) throws ReflectiveOperationException {
        MethodHandles.Lookup lookup = MethodHandles.publicLookup();
        Class<?> type = publicTypeOf(logger.getClass());
        MethodType signature = MethodType.methodType(void.class, String.class, Object[].class);
        this.info = lookup.findVirtual(type, "info", signature).bindTo(logger);
        this.warn = lookup.findVirtual(type, "warn", signature).bindTo(logger);
        this.error = lookup.findVirtual(type, "error", signature).bindTo(logger);
    }

    /** The interface that declares the logging methods (the implementation class may not be public). */
    private static Class<?> publicTypeOf(Class<?> impl) {
        for (Class<?> c = impl; c != null; c = c.getSuperclass()) {
            for (Class<?> i : c.getInterfaces()) {
                if (i.getName().equals("org.apache.logging.log4j.Logger")) {
                    return i;
                }
            }
        }
        return impl;
    }

    /** The plugin's logger from Logstash's Context. */
    public static PluginLog of(Context context, Plugin plugin) {
        try {
            Method getLogger = Context.class.getMethod("getLogger", Plugin.class);
            return new Log4jLog(getLogger.invoke(context, plugin));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("cannot reach Logstash's logger for the plugin: " + e, e);
        }
    }

    @Override
    public void info(String message, Object... params) {
        call(info, message, params);
    }

    @Override
    public void warn(String message, Object... params) {
        call(warn, message, params);
    }

    @Override
    public void error(String message, Object... params) {
        call(error, message, params);
    }

    private static void call(MethodHandle h, String message, Object[] params) {
        try {
            h.invokeExact(message, params);
        } catch (Throwable e) {
            // Logging must never be why a batch fails.
        }
    }
}
