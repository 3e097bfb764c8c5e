package io.mispenrich.runner;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * The class of a plugin jar annotated {@code @LogstashPlugin(name = ...)}, found in the class
 * files' bytes, so nothing is loaded before a runner chooses its class loader (the gem's Ruby stub
 * names the class in a real install; a runner finds it this way). The caller loads it and checks
 * the annotation's value.
 */
public final class PluginClassFinder {

    private static final byte[] ANNOTATION = "Lco/elastic/logstash/api/LogstashPlugin;".getBytes(StandardCharsets.US_ASCII);

    private PluginClassFinder() {
    }

    /** The binary name of the top-level class whose bytes carry the annotation and the plugin's name. */
    public static String find(Path jar, String pluginName) throws IOException {
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
