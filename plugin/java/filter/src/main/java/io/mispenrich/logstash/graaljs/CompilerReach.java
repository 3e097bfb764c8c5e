package io.mispenrich.logstash.graaljs;

import java.util.Optional;

/**
 * Whether the plugin's copy of Truffle can use the Graal compiler this JVM was started with.
 *
 * <p>With the JIT set up as docs/index.asciidoc says (JVMCI on, the Graal compiler jars on the
 * upgrade module path), the compiler and its {@code org.graalvm.truffle.compiler} interfaces live in
 * the JVM's boot layer, and Truffle's HotSpot runtime casts the compiler's entry point to the
 * interface its own class loader sees. Under {@code pipeline.plugin_classloaders: false} the plugin's
 * loader delegates to the JVM's loaders first, so both sides see one interface and the JIT runs.
 * Under {@code true} Logstash's PluginClassLoader is child-first with the bootstrap loader as parent:
 * it loads the interface from the plugin jar, the cast fails in Truffle's static initializer
 * (ClassCastException inside an ExceptionInInitializerError), and the plugin could not start at all.
 *
 * <p>So before the first Engine, the plugin checks for that split and, where it finds it, asks
 * Truffle for its fallback (interpreted) runtime with Truffle's own switch, the system property
 * {@value #FALLBACK_PROPERTY}: the filter starts, interpreted, and says why with
 * MISP_ENRICH_JIT_UNREACHABLE. The property is JVM-wide and stays set: every other copy of Truffle
 * under the same setting would meet the same split.
 */
public final class CompilerReach {

    /** Truffle's switch for its interpreted runtime, read once per copy of Truffle. */
    static final String FALLBACK_PROPERTY = "truffle.UseFallbackRuntime";
    private static final String COMPILER_MODULE = "jdk.graal.compiler";
    private static final String COMPILATION_SUPPORT = "com.oracle.truffle.compiler.TruffleCompilationSupport";

    private CompilerReach() {
    }

    /**
     * Checks, and chooses the interpreted runtime when this loader cannot share the compiler's
     * interfaces; call before the first Engine. Returns why, when it chose it.
     */
    public static synchronized Optional<String> prepare() {
        Optional<String> split = split(CompilerReach.class.getClassLoader());
        if (split.isPresent() && System.getProperty(FALLBACK_PROPERTY) == null) {
            System.setProperty(FALLBACK_PROPERTY, "true");
        }
        return split;
    }

    /** Why {@code loader} cannot use the boot layer's Graal compiler, or empty when it can (or there is none). */
    static Optional<String> split(ClassLoader loader) {
        Optional<Module> compiler = ModuleLayer.boot().findModule(COMPILER_MODULE);
        if (compiler.isEmpty()) {
            return Optional.empty();
        }
        Class<?> theirs;
        Class<?> ours;
        try {
            theirs = Class.forName(COMPILATION_SUPPORT, false, compiler.get().getClassLoader());
            ours = Class.forName(COMPILATION_SUPPORT, false, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            // A compiler without Truffle's interfaces (or a plugin jar without them): Truffle
            // decides for itself, as without this check.
            return Optional.empty();
        }
        if (theirs == ours) {
            return Optional.empty();
        }
        return Optional.of("the Graal compiler is on this JVM's upgrade module path, but the plugin's class loader "
                + "does not share its interfaces (Logstash's pipeline.plugin_classloaders: true): GraalJS runs "
                + "interpreted; set pipeline.plugin_classloaders: false to run it compiled");
    }
}
