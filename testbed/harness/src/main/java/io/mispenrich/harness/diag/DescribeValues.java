package io.mispenrich.harness.diag;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.PolyglotException;

import io.mispenrich.logstash.graaljs.CoreRuntime;
import io.mispenrich.logstash.json.Json;

/**
 * The harness's diagnostics against the packaged plugin jar: describeValue for many values through
 * the jar's own GraalJS host (the golden table compares its keys with Node's), and probes of the
 * sandbox the jar builds its Contexts with. Test tooling, so it lives here and not in the jar;
 * {@link DiagLoader} defines it inside the plugin's class loader, where the jar's classes are.
 * Called reflectively: both methods take and return JSON text.
 */
public final class DescribeValues {

    private DescribeValues() {
    }

    /**
     * What a script running in a Context built by the jar's {@link CoreRuntime#sandboxedContext()}
     * can reach: each probe is a JS expression; the answer maps it to "denied: ..." (it threw) or
     * "allowed: " and its value.
     */
    @SuppressWarnings("unchecked")
    public static String probeSandbox(String probesJson) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Object o : (List<Object>) Json.parse(probesJson)) {
            String probe = (String) o;
            String script = "(() => { try { return 'allowed: ' + String(" + probe + "); } catch (e) { return 'denied: ' + e; } })()";
            try (Context context = CoreRuntime.sandboxedContext().option("engine.WarnInterpreterOnly", "false").build()) {
                out.put(probe, context.eval("js", script).asString());
            } catch (PolyglotException e) {
                out.put(probe, "denied: " + e.getMessage());
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
