package io.mispenrich.logstashreal;

import java.io.IOException;
import java.net.MalformedURLException;
import java.nio.file.Path;

import org.logstash.RubyUtil;
import org.logstash.plugins.PluginClassLoader;

import io.mispenrich.runner.PluginClassFinder;

/**
 * Loads a plugin jar's class the two ways Logstash does (logstash-core/lib/logstash/plugins/registry.rb):
 * <ul>
 * <li>{@code pipeline.plugin_classloaders: false} (the default): the gem's {@code require_jar}
 * puts the jar on JRuby's own class loader, a parent-first child of Logstash's, and the class is
 * loaded there;</li>
 * <li>{@code true}: {@code PluginClassLoader.create(jar, Logstash's class loader)}, which shows the
 * plugin only the JDK, its own jar and Logstash's {@code org.logstash} / {@code co.elastic.logstash}
 * packages.</li>
 * </ul>
 * The class is the one the gem's Ruby stub names; here it is found by its
 * {@code @LogstashPlugin(name = ...)} annotation (PluginClassFinder), as the stand-in does.
 */
final class PluginJar {

    private PluginJar() {
    }

    static Class<?> load(Path jar, String pluginName, boolean pluginClassloaders) throws IOException, ClassNotFoundException {
        String className = PluginClassFinder.find(jar, pluginName);
        if (pluginClassloaders) {
            ClassLoader logstash = RubyUtil.class.getClassLoader();
            return PluginClassLoader.create(jar.toString(), logstash).loadClass(className);
        }
        addToJRuby(jar);
        return Class.forName(className, true, RubyUtil.RUBY.getJRubyClassLoader());
    }

    /** What require_jar does: the jar joins JRuby's class loader. */
    private static void addToJRuby(Path jar) {
        try {
            RubyUtil.RUBY.getJRubyClassLoader().addURL(jar.toUri().toURL());
        } catch (MalformedURLException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
