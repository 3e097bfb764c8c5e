package io.mispenrich.harness;

import java.io.BufferedReader;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

import co.elastic.logstash.api.Configuration;
import co.elastic.logstash.api.Context;
import co.elastic.logstash.api.Event;
import co.elastic.logstash.api.Filter;
import co.elastic.logstash.api.PluginConfigSpec;
import io.mispenrich.harness.diag.DiagLoader;

/**
 * misp-enrich-run: NDJSON events in, through the packaged plugin jar as a Logstash pipeline would
 * run it, NDJSON out, in order and complete.
 *
 * <pre>
 * java -jar misp-enrich-harness.jar --plugin-jar JAR --settings FILE --input FILE|- --output FILE|-
 *      [--workers N] [--batch-size N] [--report FILE] [--log-level LEVEL]
 *      [--extra-jars A.jar:B.jar]   (diagnostics: more jars in the plugin's class loader, e.g. a Truffle profiler)
 *      [--pause-after-batch N --pause-file F]   (test hook, see PipelineRun.Pause)
 * java -jar misp-enrich-harness.jar --plugin-jar JAR --describe GOLDEN.json --output FILE|-
 * java -jar misp-enrich-harness.jar --plugin-jar JAR --schema --output FILE|-
 * java -jar misp-enrich-harness.jar --plugin-jar JAR --probe-sandbox PROBES.json --output FILE|-
 * java -jar misp-enrich-harness.jar --plugin-jar JAR --port-probe PORT.json   (operations on stdin, answers on stdout; see diag.PortProbe)
 * </pre>
 * Exit codes: 0 done, 2 bad usage, 3 the plugin failed to start (bad option), 4 I/O failure.
 */
public final class HarnessMain {

    static final String PLUGIN_NAME = "misp_enrich";

    private HarnessMain() {
    }

    public static void main(String[] argv) {
        Map<String, String> args;
        try {
            args = parseArgs(argv);
        } catch (IllegalArgumentException e) {
            System.err.println("misp-enrich-run: " + e.getMessage());
            System.err.println("usage: misp-enrich-run --settings FILE --input FILE|- --output FILE|- [--workers N] [--batch-size N] [--report FILE]");
            System.exit(2);
            return;
        }
        configureLogging(args.getOrDefault("log-level", "info"));
        int code;
        try {
            code = run(args);
        } catch (StartupFailure e) {
            System.err.println("misp-enrich-run: the plugin failed to start: " + e.getMessage());
            code = 3;
        } catch (IOException | RuntimeException e) {
            System.err.println("misp-enrich-run: " + e);
            code = 4;
        }
        System.out.flush();
        System.exit(code);
    }

    static final class StartupFailure extends Exception {
        private static final long serialVersionUID = 1L;

        StartupFailure(String message) {
            super(message);
        }
    }

    private static Map<String, String> parseArgs(String[] argv) {
        Map<String, String> out = new LinkedHashMap<>();
        Set<String> flags = Set.of("schema");
        Set<String> valued = Set.of("plugin-jar", "settings", "input", "output", "workers", "batch-size", "report",
                "describe", "probe-sandbox", "port-probe", "log-level", "extra-jars", "pause-after-batch", "pause-file");
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--")) {
                throw new IllegalArgumentException("unexpected argument '" + a + "'");
            }
            String name = a.substring(2);
            if (flags.contains(name)) {
                out.put(name, "true");
            } else if (valued.contains(name)) {
                if (i + 1 >= argv.length) {
                    throw new IllegalArgumentException("--" + name + " needs a value");
                }
                out.put(name, argv[++i]);
            } else {
                throw new IllegalArgumentException("unknown option --" + name);
            }
        }
        if (!out.containsKey("plugin-jar")) {
            throw new IllegalArgumentException("--plugin-jar is required");
        }
        if (!out.containsKey("describe") && !out.containsKey("schema") && !out.containsKey("probe-sandbox") && !out.containsKey("port-probe")) {
            for (String required : List.of("settings", "input", "output")) {
                if (!out.containsKey(required)) {
                    throw new IllegalArgumentException("--" + required + " is required");
                }
            }
        }
        return out;
    }

    private static void configureLogging(String level) {
        // log4j-api without an implementation: its SimpleLogger, on stderr (stdout may carry events).
        System.setProperty("log4j2.loggerContextFactory", "org.apache.logging.log4j.simple.SimpleLoggerContextFactory");
        System.setProperty("org.apache.logging.log4j.simplelog.logFile", "system.err");
        System.setProperty("org.apache.logging.log4j.simplelog.level", level.toUpperCase(java.util.Locale.ROOT));
        System.setProperty("org.apache.logging.log4j.simplelog.showlogname", "true");
        System.setProperty("org.apache.logging.log4j.simplelog.StatusLogger.level", "OFF");
    }

    private static int run(Map<String, String> args) throws IOException, StartupFailure {
        Path jar = Path.of(args.get("plugin-jar"));
        List<Path> jars = new ArrayList<>(List.of(jar));
        if (args.containsKey("extra-jars")) {
            for (String p : args.get("extra-jars").split(java.io.File.pathSeparator)) {
                jars.add(Path.of(p));
            }
        }
        Set<Thread> threadsBefore = new HashSet<>(Thread.getAllStackTraces().keySet());
        // The JDK opens one socketpair per JVM the first time NIO opens a socket (its "pre-close"
        // descriptor). Open and close a channel first so that one is in the baseline, not a leak.
        java.nio.channels.SocketChannel.open().close();
        Set<String> socketsBefore = openSockets();
        PluginLoader.Loaded loaded;
        try {
            loaded = PluginLoader.load(jars, PLUGIN_NAME);
        } catch (ReflectiveOperationException e) {
            throw new StartupFailure("cannot load " + jar + ": " + e);
        }
        if (args.containsKey("describe")) {
            return diag(loaded, "describeAll", Path.of(args.get("describe")), args.get("output"));
        }
        if (args.containsKey("probe-sandbox")) {
            return diag(loaded, "probeSandbox", Path.of(args.get("probe-sandbox")), args.get("output"));
        }
        if (args.containsKey("port-probe")) {
            return portProbe(loaded, Path.of(args.get("port-probe")), threadsBefore, socketsBefore);
        }
        Map<String, Object> settings = args.containsKey("settings")
                ? Ndjson.readObject(readAll(args.get("settings")))
                : new LinkedHashMap<>(Map.of("fetch_context", false));
        HarnessContext context = new HarnessContext();
        Filter filter = start(loaded.type(), settings, context);
        if (args.containsKey("schema")) {
            List<String> names = new ArrayList<>();
            for (PluginConfigSpec<?> s : filter.configSchema()) {
                names.add(s.name());
            }
            filter.close();
            writeAll(args.getOrDefault("output", "-"), Ndjson.write(names) + "\n");
            return 0;
        }

        PipelineRun.DelegatorMetrics delegatorMetrics;
        try {
            delegatorMetrics = PipelineRun.DelegatorMetrics.of(context.getMetric(filter), PLUGIN_NAME);
        } catch (IllegalStateException e) {
            // As in Logstash, whose pipeline then fails to start.
            filter.close();
            throw new StartupFailure("Logstash cannot make the filter's own metrics: " + e.getMessage());
        }

        int workers = Integer.parseInt(args.getOrDefault("workers", "1"));
        int batchSize = Integer.parseInt(args.getOrDefault("batch-size", "125"));
        if (workers < 1 || batchSize < 1) {
            throw new IllegalArgumentException("--workers and --batch-size must be at least 1");
        }
        long t0 = System.nanoTime();
        PipelineRun.Pause pause = args.containsKey("pause-file")
                ? new PipelineRun.Pause(Integer.parseInt(args.getOrDefault("pause-after-batch", "0")), Path.of(args.get("pause-file")))
                : PipelineRun.Pause.NONE;
        PipelineRun.Result result;
        try (EventReader reader = new EventReader(args.get("input")); EventWriter writer = new EventWriter(args.get("output"))) {
            result = PipelineRun.run(filter, reader, writer, workers, batchSize, new CommonActions(settings), pause, delegatorMetrics);
        } finally {
            filter.close();
        }
        long wallNanos = System.nanoTime() - t0;
        loaded.loader().close();

        if (args.containsKey("report")) {
            Map<String, Object> report = new LinkedHashMap<>();
            report.put("events_in", result.eventsIn());
            report.put("events_out", result.eventsOut());
            report.put("batches", result.batches());
            report.put("workers", workers);
            report.put("filter_nanos", result.filterNanos());
            report.put("filter_nanos_second_half", result.lateNanos());
            report.put("events_second_half", result.lateEvents());
            report.put("wall_nanos", wallNanos);
            report.put("wall_nanos_second_half", result.lateWallNanos());
            report.put("metrics", context.metricStore().snapshot());
            report.put("leaked_threads", leakedThreads(threadsBefore));
            Set<String> sockets = openSockets();
            sockets.removeAll(socketsBefore);
            report.put("leaked_sockets", describeSockets(sockets));
            report.put("java_version", System.getProperty("java.version"));
            report.put("java_vm", System.getProperty("java.vm.name"));
            Files.writeString(Path.of(args.get("report")), Ndjson.write(report) + "\n");
        }
        return 0;
    }

    /** Constructs the plugin as Logstash does, then rejects unknown or missing options. */
    private static Filter start(Class<? extends Filter> type, Map<String, Object> settings, Context context) throws StartupFailure {
        String id = settings.get("id") instanceof String s ? s : PLUGIN_NAME + "_harness";
        Configuration config = new HarnessConfiguration(settings);
        Filter filter;
        try {
            Constructor<? extends Filter> ctor = type.getConstructor(String.class, Configuration.class, Context.class);
            filter = ctor.newInstance(id, config, context);
        } catch (InvocationTargetException e) {
            Throwable cause = e.getCause() == null ? e : e.getCause();
            throw new StartupFailure(cause.getMessage() == null ? cause.toString() : cause.getMessage());
        } catch (ReflectiveOperationException e) {
            throw new StartupFailure("no (String, Configuration, Context) constructor: " + e);
        }
        List<String> errors = HarnessConfiguration.validate(filter, settings);
        if (!errors.isEmpty()) {
            filter.close();
            throw new StartupFailure(String.join("; ", errors));
        }
        return filter;
    }

    /** Calls one of the harness's diagnostics (io.mispenrich.harness.diag), linked against the plugin jar, with a JSON file. */
    private static int diag(PluginLoader.Loaded loaded, String method, Path input, String output) throws IOException {
        String entries = Files.readString(input);
        try {
            Class<?> c = Class.forName("io.mispenrich.harness.diag.DescribeValues", true, new DiagLoader(loaded.loader()));
            Method m = c.getMethod(method, String.class);
            String out = (String) m.invoke(null, entries);
            writeAll(output == null ? "-" : output, out + "\n");
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(String.valueOf(e.getCause()), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        return 0;
    }

    /**
     * Drives one of the jar's port implementations (diag.PortProbe): operations from stdin, one
     * answer line each on stdout. After the port is closed, a last line says what it left behind:
     * {"closed": true, "leaked_threads": [...], "leaked_sockets": [...]}.
     */
    private static int portProbe(PluginLoader.Loaded loaded, Path config, Set<Thread> threadsBefore, Set<String> socketsBefore) throws IOException {
        String configJson = Files.readString(config);
        BufferedReader in = new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
        Writer out = new BufferedWriter(new OutputStreamWriter(System.out, StandardCharsets.UTF_8));
        try {
            Class<?> c = Class.forName("io.mispenrich.harness.diag.PortProbe", true, new DiagLoader(loaded.loader()));
            c.getMethod("run", String.class, BufferedReader.class, Writer.class).invoke(null, configJson, in, out);
        } catch (InvocationTargetException e) {
            throw new IllegalStateException(String.valueOf(e.getCause()), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
        loaded.loader().close();
        Map<String, Object> closed = new LinkedHashMap<>();
        closed.put("closed", true);
        closed.put("leaked_threads", leakedThreads(threadsBefore));
        Set<String> sockets = openSockets();
        sockets.removeAll(socketsBefore);
        closed.put("leaked_sockets", describeSockets(sockets));
        out.write(Ndjson.write(closed) + "\n");
        out.flush();
        return 0;
    }

    private static String readAll(String file) throws IOException {
        if (file.equals("-")) {
            return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
        }
        return Files.readString(Path.of(file));
    }

    private static void writeAll(String file, String text) throws IOException {
        if (file.equals("-")) {
            System.out.write(text.getBytes(StandardCharsets.UTF_8));
            System.out.flush();
        } else {
            Files.writeString(Path.of(file), text);
        }
    }

    /** Threads started since the plugin was loaded that are still alive after close(). */
    private static List<String> leakedThreads(Set<Thread> before) {
        AtomicReference<List<String>> names = new AtomicReference<>(List.of());
        for (int attempt = 0; attempt < 50; attempt++) {
            List<String> alive = new ArrayList<>();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (!before.contains(t) && t.isAlive() && t != Thread.currentThread() && !isJvmThread(t)) {
                    alive.add(t.getName());
                }
            }
            names.set(alive);
            if (alive.isEmpty()) {
                break;
            }
            try {
                Thread.sleep(100); // threads told to stop may take a moment to exit
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return names.get();
    }

    /**
     * Threads the JDK itself starts lazily and owns (not the plugin's). The common ForkJoinPool is
     * one of them: the JDK's HttpClient completes some failed connections on it; its workers are
     * shared by the whole JVM, cannot be shut down by anyone, and exit after 60 s idle.
     */
    private static boolean isJvmThread(Thread t) {
        String n = t.getName();
        return n.startsWith("ForkJoinPool.commonPool-worker-") || n.equals("Common-Cleaner") || n.equals("process reaper") || n.equals("Attach Listener")
                || n.equals("Signal Dispatcher") || n.equals("Notification Thread") || n.startsWith("JFR ")
                || n.equals("DestroyJavaVM");
    }

    /** The inodes of this process's open sockets ("socket:[123]"), from /proc (Linux). */
    private static Set<String> openSockets() {
        Set<String> out = new HashSet<>();
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return out;
        }
        try (var stream = Files.list(fds)) {
            stream.forEach(p -> {
                try {
                    String link = Files.readSymbolicLink(p).toString();
                    if (link.startsWith("socket:[")) {
                        out.add(link.substring(8, link.length() - 1));
                    }
                } catch (IOException ignored) {
                    // the fd closed while listing
                }
            });
        } catch (IOException e) {
            return out;
        }
        return out;
    }

    /** Each socket inode with its /proc/net line (addresses and state) when it is a TCP socket. */
    private static List<String> describeSockets(Set<String> inodes) {
        List<String> out = new ArrayList<>();
        for (String inode : inodes) {
            String found = "socket " + inode;
            for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6", "/proc/self/net/unix")) {
                try {
                    for (String line : Files.readAllLines(Path.of(table))) {
                        String[] f = line.trim().split("\\s+");
                        if (List.of(f).contains(inode)) {
                            found = table + ": " + line.trim();
                        }
                    }
                } catch (IOException ignored) {
                    // table missing on this kernel
                }
            }
            out.add(found);
        }
        return out;
    }
}
