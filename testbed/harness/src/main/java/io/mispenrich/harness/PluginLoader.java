package io.mispenrich.harness;

import java.io.IOException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.util.Locale;

import co.elastic.logstash.api.Filter;
import co.elastic.logstash.api.LogstashPlugin;
import io.mispenrich.runner.PluginClassFinder;

/**
 * Loads a plugin jar the way Logstash does: through a child class loader whose parent holds the
 * plugin API (here the harness's own loader, in Logstash JRuby's), finds the class annotated
 * {@code @LogstashPlugin(name = ...)}, and applies Logstash's naming rules.
 */
final class PluginLoader {

    private PluginLoader() {
    }

    record Loaded(URLClassLoader loader, Class<? extends Filter> type) {
    }

    /**
     * @param jars the plugin jar first; any further jars join the same class loader (diagnostics
     *             only, e.g. GraalVM's profiler tool for bench/filter)
     */
    static Loaded load(java.util.List<Path> jars, String pluginName) throws IOException, ReflectiveOperationException {
        URL[] urls = new URL[jars.size()];
        for (int i = 0; i < urls.length; i++) {
            urls[i] = jars.get(i).toUri().toURL();
        }
        Path jar = jars.get(0);
        String className = PluginClassFinder.find(jar, pluginName);
        URLClassLoader loader = new URLClassLoader("logstash-plugin", urls, PluginLoader.class.getClassLoader());
        try {
            Class<?> c = Class.forName(className, false, loader);
            LogstashPlugin a = c.getAnnotation(LogstashPlugin.class);
            if (a == null || !a.name().equals(pluginName)) {
                throw new IllegalStateException(className + " is not annotated @LogstashPlugin(name = \"" + pluginName + "\")");
            }
            checkNaming(c, pluginName);
            if (!Filter.class.isAssignableFrom(c)) {
                throw new IllegalStateException(className + " is not a co.elastic.logstash.api.Filter");
            }
            return new Loaded(loader, c.asSubclass(Filter.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            loader.close();
            throw e;
        }
    }

    /** Logstash's rules: simple name = plugin name without underscores (any case); no reserved package. */
    static void checkNaming(Class<?> c, String pluginName) {
        String expected = pluginName.replace("_", "").toLowerCase(Locale.ROOT);
        if (!c.getSimpleName().toLowerCase(Locale.ROOT).equals(expected)) {
            throw new IllegalStateException("plugin class " + c.getName() + " must be named like '" + pluginName + "' without underscores");
        }
        String pkg = c.getPackageName();
        if (pkg.startsWith("org.logstash") || pkg.startsWith("co.elastic.logstash")) {
            throw new IllegalStateException("plugin class " + c.getName() + " is in a package reserved for Logstash");
        }
    }
}
