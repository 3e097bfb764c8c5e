package io.mispenrich.logstash.diag;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.mispenrich.logstash.graaljs.CoreRuntime;
import io.mispenrich.logstash.json.Json;

/**
 * The golden-table entry point: describeValue for many values through GraalJS in this JVM, so a
 * spec can compare the keys with Node's. Called reflectively by the harness (--describe); not
 * used by the filter.
 */
public final class DescribeValues {

    private DescribeValues() {
    }

    /**
     * What a script running in the plugin's GraalJS Context can reach: each probe is a JS
     * expression; the answer maps it to "denied: ..." (it threw) or its value as a string.
     */
    @SuppressWarnings("unchecked")
    public static String probeSandbox(String probesJson) {
        java.util.Map<String, Object> out = new java.util.LinkedHashMap<>();
        try (CoreRuntime runtime = new CoreRuntime("{}", line -> System.err.println("core: " + line))) {
            for (Object o : (List<Object>) Json.parse(probesJson)) {
                String probe = (String) o;
                String script = "(() => { try { return 'allowed: ' + String(" + probe + "); } catch (e) { return 'denied: ' + e; } })()";
                out.put(probe, runtime.evalInFreshContext(script));
            }
        }
        return Json.write(out);
    }

    /** [{"datatype","input"}...] in; the array of describeValue results (parsed JSON or null) out. */
    @SuppressWarnings("unchecked")
    public static String describeAll(String entriesJson) {
        List<Object> out = new ArrayList<>();
        try (CoreRuntime runtime = new CoreRuntime("{}", line -> System.err.println("core: " + line))) {
            CoreRuntime.Session s = runtime.borrow();
            try {
                for (Object o : (List<Object>) Json.parse(entriesJson)) {
                    Map<String, Object> entry = (Map<String, Object>) o;
                    String datatype = (String) entry.get("datatype");
                    String input = (String) entry.get("input");
                    String described = s.call("describeValue", x -> x.core().describeValue(datatype, input));
                    out.add(described == null ? null : Json.parse(described));
                }
            } finally {
                runtime.release(s);
            }
        }
        return Json.write(out);
    }
}
