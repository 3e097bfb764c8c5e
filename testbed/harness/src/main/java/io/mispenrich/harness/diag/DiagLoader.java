package io.mispenrich.harness.diag;

import java.io.IOException;
import java.io.InputStream;

/**
 * Defines the harness's diagnostic classes (this package) inside a child of the plugin's class
 * loader, so they link against the plugin jar's own CoreRuntime and GraalJS, which the harness's
 * loader cannot see. Everything else is asked of the plugin's loader first, as Java always does.
 */
public final class DiagLoader extends ClassLoader {

    private static final String PACKAGE = DiagLoader.class.getPackageName() + ".";

    public DiagLoader(ClassLoader pluginLoader) {
        super("misp-enrich-diag", pluginLoader);
    }

    @Override
    protected Class<?> loadClass(String name, boolean resolve) throws ClassNotFoundException {
        if (!name.startsWith(PACKAGE) || name.equals(DiagLoader.class.getName())) {
            return super.loadClass(name, resolve);
        }
        synchronized (getClassLoadingLock(name)) {
            Class<?> c = findLoadedClass(name);
            if (c == null) {
                String resource = name.replace('.', '/') + ".class";
                try (InputStream in = DiagLoader.class.getClassLoader().getResourceAsStream(resource)) {
                    if (in == null) {
                        throw new ClassNotFoundException(name);
                    }
                    byte[] bytes = in.readAllBytes();
                    c = defineClass(name, bytes, 0, bytes.length);
                } catch (IOException e) {
                    throw new ClassNotFoundException(name, e);
                }
            }
            if (resolve) {
                resolveClass(c);
            }
            return c;
        }
    }
}
