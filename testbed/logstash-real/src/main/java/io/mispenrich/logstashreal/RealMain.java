package io.mispenrich.logstashreal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

import org.logstash.RubyUtil;
import org.logstash.config.ir.compiler.AbstractFilterDelegatorExt;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;

import io.mispenrich.runner.Leaks;
import io.mispenrich.runner.OrderedBatches;
import io.mispenrich.runner.RunReport;
import io.mispenrich.runner.RunnerExit;
import io.mispenrich.runner.RunnerExit.StartupFailure;

/**
 * NDJSON events in, through the PACKAGED plugin jar on Logstash's own classes, NDJSON out, and a
 * JSON report with the plugin's metrics as Logstash's metric classes hold them. The same contract
 * as the stand-in's misp-enrich-run (testbed/harness), so one spec can run a stream through
 * both.
 *
 * <pre>
 * java -cp target/classes:$(cat target/classpath.txt) io.mispenrich.logstashreal.RealMain \
 *      --plugin-jar JAR --settings FILE --input FILE|- --output FILE|-
 *      [--workers N] [--batch-size N] [--report FILE] [--log-level LEVEL]
 *      [--plugin-classloaders true|false] [--pipeline-id ID] [--path-data DIR]
 *      [--warm-from-event N]   (the report's "second half" from event N on instead, see OrderedBatches)
 * java ... RealMain --plugin-jar JAR --start-only SETTINGS_LIST.json --report FILE
 * </pre>
 * {@code --path-data} stands in for what the gem's Ruby file (lib/logstash/filters/misp_enrich.rb)
 * does when Logstash loads the plugin: it hands Logstash's path.data setting to the Java side as
 * the system property {@value #PATH_DATA_PROPERTY} (the compiled jar holds no Ruby).
 * {@code --start-only} starts (and closes) the filter once per settings object of a JSON array,
 * in one JVM, as many pipelines would: the report holds {"starts": [{"ok", "error"}]}, and
 * stderr a line "misp-enrich-real: start N" before what start N logged.
 * Exit codes: 0 done, 2 bad usage, 3 the plugin failed to start, 4 I/O or run failure.
 */
public final class RealMain {

    static final String PLUGIN_NAME = "misp_enrich";
    static final String LOG_LEVEL_PROPERTY = "misp_enrich.real.log_level";
    static final String PATH_DATA_PROPERTY = "misp_enrich.path.data";

    private RealMain() {
    }

    public static void main(String[] argv) {
        Map<String, String> args = RunnerExit.parseArgsOrExit("misp-enrich-real", argv, RealMain::parseArgs, List.of());
        // Read by src/main/resources/log4j2.properties: set before anything logs.
        System.setProperty(LOG_LEVEL_PROPERTY, args.getOrDefault("log-level", "info").toUpperCase(Locale.ROOT));
        if (args.containsKey("path-data")) {
            System.setProperty(PATH_DATA_PROPERTY, args.get("path-data"));
        }
        RunnerExit.exit("misp-enrich-real", () -> run(args), RealMain::describe);
    }

    private static Map<String, String> parseArgs(String[] argv) {
        Set<String> valued = Set.of("plugin-jar", "settings", "input", "output", "workers", "batch-size", "report", "log-level",
                "plugin-classloaders", "pipeline-id", "start-only", "path-data", "warm-from-event");
        Map<String, String> out = new LinkedHashMap<>();
        for (int i = 0; i < argv.length; i++) {
            String a = argv[i];
            if (!a.startsWith("--") || !valued.contains(a.substring(2))) {
                throw new IllegalArgumentException("unknown argument '" + a + "'");
            }
            if (i + 1 >= argv.length) {
                throw new IllegalArgumentException(a + " needs a value");
            }
            out.put(a.substring(2), argv[++i]);
        }
        List<String> requiredArgs = out.containsKey("start-only") ? List.of("plugin-jar", "report") : List.of("plugin-jar", "settings", "input", "output");
        for (String required : requiredArgs) {
            if (!out.containsKey(required)) {
                throw new IllegalArgumentException("--" + required + " is required");
            }
        }
        RunnerExit.requireWholeNumber(out, "warm-from-event");
        String pcl = out.getOrDefault("plugin-classloaders", "false");
        if (!pcl.equals("true") && !pcl.equals("false")) {
            throw new IllegalArgumentException("--plugin-classloaders is true or false");
        }
        return out;
    }

    private static int run(Map<String, String> args) throws IOException, StartupFailure {
        if (args.containsKey("start-only")) {
            return startOnly(args);
        }
        boolean pluginClassloaders = Boolean.parseBoolean(args.getOrDefault("plugin-classloaders", "false"));
        String pipelineId = args.getOrDefault("pipeline-id", "main");
        int workers = Integer.parseInt(args.getOrDefault("workers", "1"));
        int batchSize = Integer.parseInt(args.getOrDefault("batch-size", "125"));
        Map<String, Object> options = readSettings(Path.of(args.get("settings")));

        // Boots JRuby (RubyUtil's static initializer) before the baseline of threads and sockets.
        RubyUtil.RUBY.getCurrentContext();
        Leaks leaks = Leaks.baseline();
        MetricCollector collector = MetricCollector.create(RubyUtil.RUBY);
        AbstractFilterDelegatorExt filter;
        Class<?> pluginClass;
        try {
            pluginClass = PluginJar.load(Path.of(args.get("plugin-jar")), PLUGIN_NAME, pluginClassloaders);
            filter = FilterFactory.build(PLUGIN_NAME, pluginClass, options, pipelineId, collector);
        } catch (Throwable e) {
            throw new StartupFailure(describe(e));
        }
        String pluginId = filter.getId().asJavaString();

        OrderedBatches.Result result;
        try (var reader = EventLines.reader(args.get("input")); var writer = EventLines.writer(args.get("output"))) {
            result = BatchRun.run(filter, reader, writer, workers, batchSize, Long.parseLong(args.getOrDefault("warm-from-event", "-1")));
        } finally {
            // What a pipeline's shutdown calls on each filter.
            filter.doClose(RubyUtil.RUBY.getCurrentContext());
        }

        if (args.containsKey("report")) {
            // As the stand-in reports them (bench/filter runs either): time inside multi_filter,
            // all batches and the second half, and the second half's wall clock.
            Map<String, Object> report = RunReport.of(result, workers);
            report.put("wall_nanos_second_half", result.lateWallNanos());
            report.put("plugin_id", pluginId);
            report.put("plugin_classloaders", pluginClassloaders);
            report.put("plugin_class_loader", pluginClass.getClassLoader().getClass().getName());
            report.put("metrics", collector.flatten(List.of("stats", "pipelines", pipelineId, "plugins", "filters", pluginId)));
            report.put("node_stats_filters", collector.nodeStatsFilters(pipelineId));
            RunReport.putLeaks(report, leaks);
            report.put("java_version", System.getProperty("java.version"));
            Files.writeString(Path.of(args.get("report")), JSON.writeValueAsString(report) + "\n");
        }
        return 0;
    }

    /** Starts and closes the filter once per settings object, reporting each start's outcome. */
    private static int startOnly(Map<String, String> args) throws IOException {
        boolean pluginClassloaders = Boolean.parseBoolean(args.getOrDefault("plugin-classloaders", "false"));
        Object parsed = JSON.readValue(Files.readString(Path.of(args.get("start-only"))), Object.class);
        if (!(parsed instanceof List<?> list)) {
            throw new IllegalArgumentException("--start-only must hold a JSON array of settings objects");
        }
        List<Map<String, Object>> starts = new ArrayList<>();
        Class<?> pluginClass = null;
        for (int i = 0; i < list.size(); i++) {
            System.err.println("misp-enrich-real: start " + i);
            System.err.flush();
            Map<String, Object> outcome = new LinkedHashMap<>();
            try {
                if (pluginClass == null || pluginClassloaders) {
                    pluginClass = PluginJar.load(Path.of(args.get("plugin-jar")), PLUGIN_NAME, pluginClassloaders);
                }
                @SuppressWarnings("unchecked")
                Map<String, Object> options = (Map<String, Object>) list.get(i);
                AbstractFilterDelegatorExt filter = FilterFactory.build(PLUGIN_NAME, pluginClass, options,
                        args.getOrDefault("pipeline-id", "main"), MetricCollector.create(RubyUtil.RUBY));
                filter.doClose(RubyUtil.RUBY.getCurrentContext());
                outcome.put("ok", true);
            } catch (Throwable e) {
                outcome.put("ok", false);
                outcome.put("error", describe(e));
            }
            starts.add(outcome);
        }
        Files.writeString(Path.of(args.get("report")), JSON.writeValueAsString(Map.of("starts", starts)) + "\n");
        return 0;
    }

    private static final ObjectMapper JSON = JsonMapper.builder().enable(DeserializationFeature.USE_LONG_FOR_INTS).build();

    /** The filter's options, as a pipeline definition types them: String, Long, Double, Boolean, List, Map. */
    @SuppressWarnings("unchecked")
    private static Map<String, Object> readSettings(Path file) throws IOException {
        Object parsed = JSON.readValue(Files.readString(file), Object.class);
        if (!(parsed instanceof Map<?, ?>)) {
            throw new IllegalArgumentException("--settings must hold a JSON object");
        }
        return (Map<String, Object>) parsed;
    }

    /** Every message of the cause chain, outermost first. */
    static String describe(Throwable e) {
        List<String> parts = new ArrayList<>();
        for (Throwable t = e; t != null && parts.size() < 8; t = t.getCause() == t ? null : t.getCause()) {
            parts.add(t.getClass().getName() + ": " + t.getMessage());
        }
        return String.join(" <- caused by ", parts);
    }
}
