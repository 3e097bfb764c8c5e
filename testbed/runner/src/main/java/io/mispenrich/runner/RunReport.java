package io.mispenrich.runner;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The fields of a runner's --report that both runners write the same way, under the same names,
 * so that a spec or bench/filter reads either runner's report alike. Each runner then adds what
 * only it knows (its metrics, its plugin's class loader) to the map it gets back.
 */
public final class RunReport {

    private RunReport() {
    }

    /** A new report, in insertion order, opening with the run's counts and its filter time. */
    public static Map<String, Object> of(OrderedBatches.Result result, int workers) {
        Map<String, Object> report = new LinkedHashMap<>();
        report.put("events_in", result.eventsIn());
        report.put("events_out", result.eventsOut());
        report.put("batches", result.batches());
        report.put("workers", workers);
        report.put("filter_nanos", result.filterNanos());
        report.put("filter_nanos_second_half", result.lateNanos());
        report.put("events_second_half", result.lateEvents());
        return report;
    }

    /** What the plugin left behind after close(), as both runners report it. */
    public static void putLeaks(Map<String, Object> report, Leaks leaks) {
        report.put("leaked_threads", leaks.threads());
        report.put("leaked_sockets", leaks.sockets());
    }
}
