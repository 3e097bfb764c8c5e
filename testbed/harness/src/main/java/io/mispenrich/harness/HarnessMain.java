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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import co.elastic.logstash.api.Configuration;
import co.elastic.logstash.api.Context;
import co.elastic.logstash.api.Event;
import co.elastic.logstash.api.Filter;
import co.elastic.logstash.api.PluginConfigSpec;
import io.mispenrich.harness.diag.DiagLoader;
import io.mispenrich.runner.Leaks;
import io.mispenrich.runner.NdjsonLines;
import io.mispenrich.runner.OrderedBatches;
import io.mispenrich.runner.RunReport;
import io.mispenrich.runner.RunnerExit;
import io.mispenrich.runner.RunnerExit.StartupFailure;

/**
 * misp-enrich-run: NDJSON events in, through the packaged plugin jar as a Logstash pipeline would
 * run it, NDJSON out, in order and complete.
 *
 * <pre>
 * java -jar misp-enrich-harness.jar --plugin-jar JAR --settings FILE --input FILE|- --output FILE|-
 *      [--workers N] [--batch-size N] [--report FILE] [--log-level LEVEL]
 *      [--warm-from-event N]   (the report's "second half" from event N on instead, see OrderedBatches)
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
        Map<String, String> args = RunnerExit.parseArgsOrExit("misp-enrich-run", argv, HarnessMain::parseArgs, List.of(
                "usage: misp-enrich-run --settings FILE --input FILE|- --output FILE|- [--workers N] [--batch-size N] [--report FILE] [--warm-from-event N]"));
        configureLogging(args.getOrDefault("log-level", "info"));
        RunnerExit.exit("misp-enrich-run", () -> run(args), Throwable::toString);
    }

    private static Map<String, String> parseArgs(String[] argv) {
        Map<String, String> out = new LinkedHashMap<>();
        Set<String> flags = Set.of("schema");
        Set<String> valued = Set.of("plugin-jar", "settings", "input", "output", "workers", "batch-size", "report",
                "describe", "probe-sandbox", "port-probe", "log-level", "extra-jars", "pause-after-batch", "pause-file", "warm-from-event");
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
        RunnerExit.requireWholeNumber(out, "warm-from-event");
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

    /**
     * One option as configSchema() declares it, under Logstash's names for its value types (those
     * of the docs' "Input type" column); a password's default is never printed.
     */
    static Map<String, Object> describeOption(PluginConfigSpec<?> s) {
        Class<?> t = s.type();
        String type = t == String.class ? "string"
                : t == Long.class || t == Integer.class ? "number"
                : t == Double.class || t == Float.class ? "number"
                : t == Boolean.class ? "boolean"
                : Map.class.isAssignableFrom(t) ? "hash"
                : List.class.isAssignableFrom(t) ? "array"
                : t.getSimpleName().equals("Password") ? "password"
                : t == java.net.URI.class ? "uri"
                : t.getSimpleName().toLowerCase(java.util.Locale.ROOT);
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("name", s.name());
        out.put("type", type);
        out.put("required", s.required());
        Object def = s.defaultValue();
        out.put("default", "password".equals(type) || def == null ? null : def instanceof java.net.URI u ? u.toString() : def);
        return out;
    }

    private static int run(Map<String, String> args) throws IOException, StartupFailure {
        Path jar = Path.of(args.get("plugin-jar"));
        List<Path> jars = new ArrayList<>(List.of(jar));
        if (args.containsKey("extra-jars")) {
            for (String p : args.get("extra-jars").split(java.io.File.pathSeparator)) {
                jars.add(Path.of(p));
            }
        }
        Leaks leaks = Leaks.baseline();
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
            return portProbe(loaded, Path.of(args.get("port-probe")), leaks);
        }
        Map<String, Object> settings = args.containsKey("settings")
                ? Ndjson.readObject(readAll(args.get("settings")))
                : new LinkedHashMap<>(Map.of("fetch_context", false));
        HarnessContext context = new HarnessContext();
        Filter filter = start(loaded.type(), settings, context);
        if (args.containsKey("schema")) {
            List<Map<String, Object>> options = new ArrayList<>();
            for (PluginConfigSpec<?> s : filter.configSchema()) {
                options.add(describeOption(s));
            }
            filter.close();
            writeAll(args.getOrDefault("output", "-"), Ndjson.write(options) + "\n");
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
        long t0 = System.nanoTime();
        PipelineRun.Pause pause = args.containsKey("pause-file")
                ? new PipelineRun.Pause(Integer.parseInt(args.getOrDefault("pause-after-batch", "0")), Path.of(args.get("pause-file")))
                : PipelineRun.Pause.NONE;
        OrderedBatches.Result result;
        try (var reader = new NdjsonLines.Reader<Event>(args.get("input"), HarnessMain::decode, HarnessMain::unparsable);
             var writer = new NdjsonLines.LineWriter<Event>(args.get("output"), e -> Ndjson.write(e.getData()))) {
            result = PipelineRun.run(filter, reader, writer, workers, batchSize, Long.parseLong(args.getOrDefault("warm-from-event", "-1")),
                    new CommonActions(settings), pause, delegatorMetrics);
        } finally {
            filter.close();
        }
        long wallNanos = System.nanoTime() - t0;
        loaded.loader().close();

        if (args.containsKey("report")) {
            Map<String, Object> report = RunReport.of(result, workers);
            report.put("wall_nanos", wallNanos);
            report.put("wall_nanos_second_half", result.lateWallNanos());
            report.put("metrics", context.metricStore().snapshot());
            RunReport.putLeaks(report, leaks);
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
    private static int portProbe(PluginLoader.Loaded loaded, Path config, Leaks leaks) throws IOException {
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
        RunReport.putLeaks(closed, leaks);
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

    /** The events of one NDJSON line, as Event.fromJson makes them: an object one, an array one per object. */
    private static List<Event> decode(String line) throws IOException {
        List<Event> events = new ArrayList<>();
        for (Map<String, Object> fields : Ndjson.readEvents(line)) {
            events.add(new HarnessEvent(fields));
        }
        return events;
    }

    /** What the json_lines codec makes of a line it cannot parse: the line in [message], tagged. */
    private static Event unparsable(String line) {
        Map<String, Object> fields = new LinkedHashMap<>();
        fields.put("message", line);
        fields.put("tags", new ArrayList<>(List.of(NdjsonLines.PARSE_FAILURE_TAG)));
        return new HarnessEvent(fields);
    }
}
