package io.mispenrich.logstash.enrich;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.mispenrich.logstash.json.Json;

/**
 * What the core said about itself once, at start-up (EnricherInfo in plugin/core/protocol.ts): the
 * fields to read and their datatypes, the meta key, and the edits for events that did not match
 * or could not be looked up, and where retro_keys writes an event's hunt keys, after which marker
 * (both null when off), and the further MISP instances of misp_sources as the core read them. The
 * Java side never interprets a datatype: it only groups values by it.
 */
public record EnricherInfo(List<String> fieldRefs, List<String> datatypes, String metaKey,
                           Map<String, Object> unmatched, Map<String, Object> lookupFailed, String retroKeys, String retroMarker,
                           List<Instance> mispInstances) {

    /** One entry of the misp_sources file; null where the file leaves it to the filter's own options. */
    public record Instance(String name, String url, String apiKeyFile, String caFile, Boolean insecure, String proxy) {
    }

    @SuppressWarnings("unchecked")
    public static EnricherInfo parse(String json) {
        Map<String, Object> info = (Map<String, Object>) Json.parse(json);
        List<String> refs = new ArrayList<>();
        List<String> datatypes = new ArrayList<>();
        for (Object o : (List<Object>) info.get("fields")) {
            Map<String, Object> field = (Map<String, Object>) o;
            refs.add((String) field.get("ref"));
            datatypes.add((String) field.get("datatype"));
        }
        return new EnricherInfo(List.copyOf(refs), List.copyOf(datatypes), (String) info.get("meta_key"),
                (Map<String, Object>) info.get("unmatched"), (Map<String, Object>) info.get("lookup_failed"),
                info.get("retro_keys") instanceof Map<?, ?> r && r.get("field") instanceof String f ? f : null,
                info.get("retro_keys") instanceof Map<?, ?> r && r.get("marker") instanceof String m ? m : null,
                instances(info.get("misp_instances")));
    }

    private static List<Instance> instances(Object raw) {
        List<Instance> out = new ArrayList<>();
        if (raw instanceof List<?> list) {
            for (Object o : list) {
                if (o instanceof Map<?, ?> m) {
                    out.add(new Instance((String) m.get("name"), (String) m.get("url"), (String) m.get("api_key_file"),
                            (String) m.get("ca_file"), (Boolean) m.get("insecure"), (String) m.get("proxy")));
                }
            }
        }
        return List.copyOf(out);
    }
}
