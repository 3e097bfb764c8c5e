package io.mispenrich.logstashreal;

import java.io.IOException;
import java.io.InputStream;
import java.net.MalformedURLException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

import org.logstash.RubyUtil;
import org.logstash.plugins.PluginClassLoader;

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
 * {@code @LogstashPlugin(name = ...)} annotation, as the stand-in does.
 */
final class PluginJar {

    private static final byte[] ANNOTATION = "Lco/elastic/logstash/api/LogstashPlugin;".getBytes(StandardCharsets.US_ASCII);

    private PluginJar() {
    }

    static Class<?> load(Path jar, String pluginName, boolean pluginClassloaders) throws IOException, ClassNotFoundException {
        String className = annotatedClass(jar, pluginName);
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

    /** The class annotated @LogstashPlugin(name = pluginName), read from the jar's bytes (nothing loaded). */
    private static String annotatedClass(Path jar, String pluginName) throws IOException {
        byte[] name = pluginName.getBytes(StandardCharsets.UTF_8);
        try (JarFile jf = new JarFile(jar.toFile())) {
            Enumeration<JarEntry> entries = jf.entries();
            while (entries.hasMoreElements()) {
                JarEntry e = entries.nextElement();
                String entry = e.getName();
                if (!entry.endsWith(".class") || entry.startsWith("META-INF/") || entry.contains("$")) {
                    continue;
                }
                byte[] bytes;
                try (InputStream in = jf.getInputStream(e)) {
                    bytes = in.readAllBytes();
                }
                if (indexOf(bytes, ANNOTATION) >= 0 && indexOf(bytes, name) >= 0) {
                    return entry.substring(0, entry.length() - ".class".length()).replace('/', '.');
                }
            }
        }
        throw new IllegalStateException("no class annotated @LogstashPlugin(name = \"" + pluginName + "\") in " + jar);
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i <= hay.length - needle.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }
}
