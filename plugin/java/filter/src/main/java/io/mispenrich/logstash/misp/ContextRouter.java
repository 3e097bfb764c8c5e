package io.mispenrich.logstash.misp;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.mispenrich.logstash.ports.ContextPort;

/**
 * The fetch port over several MISP instances: the core names each event it wants by reference
 * (plugin/core/enrich/misp-instance.ts): an id of the main MISP (misp_url), or
 * "&lt;instance&gt;:&lt;id&gt;" for an instance of misp_sources (instance names hold no ':').
 * Each instance is asked for its own ids, all at once, within one misp_timeout; a reference
 * naming no instance this filter has answers null, as an event that could not be fetched.
 */
public final class ContextRouter implements ContextPort {

    private final MispContextFetcher main;
    private final Map<String, MispContextFetcher> instances;

    /** @param main the misp_url fetcher, or null when only misp_sources instances are asked */
    public ContextRouter(MispContextFetcher main, Map<String, MispContextFetcher> instances) {
        this.main = main;
        this.instances = Map.copyOf(instances);
    }

    @Override
    public Map<String, String> fetch(List<String> refs) {
        // Each reference's fetcher and id, read once; a reference naming no instance of this filter has none.
        Map<String, MispContextFetcher> fetcherOf = new LinkedHashMap<>();
        Map<String, String> idOf = new LinkedHashMap<>();
        Map<MispContextFetcher, List<String>> ids = new LinkedHashMap<>();
        for (String ref : refs) {
            int colon = ref.indexOf(':');
            MispContextFetcher to = colon < 0 ? main : instances.get(ref.substring(0, colon));
            if (to != null) {
                String id = colon < 0 ? ref : ref.substring(colon + 1);
                fetcherOf.put(ref, to);
                idOf.put(ref, id);
                ids.computeIfAbsent(to, k -> new ArrayList<>()).add(id);
            }
        }
        Map<MispContextFetcher, CompletableFuture<Map<String, MispContextFetcher.Fetched>>> started = new LinkedHashMap<>();
        long deadline = System.nanoTime();
        for (Map.Entry<MispContextFetcher, List<String>> e : ids.entrySet()) {
            started.put(e.getKey(), e.getKey().start(e.getValue()));
            deadline = Math.max(deadline, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(e.getKey().deadlineMs()));
        }
        Map<MispContextFetcher, Map<String, String>> answers = new LinkedHashMap<>();
        for (Map.Entry<MispContextFetcher, List<String>> e : ids.entrySet()) {
            answers.put(e.getKey(), e.getKey().await(started.get(e.getKey()), e.getValue(), deadline));
        }
        Map<String, String> out = new LinkedHashMap<>();
        for (String ref : refs) {
            MispContextFetcher from = fetcherOf.get(ref);
            out.put(ref, from == null ? null : answers.get(from).get(idOf.get(ref)));
        }
        return out;
    }

    @Override
    public void close() {
        if (main != null) {
            main.close();
        }
        for (MispContextFetcher f : instances.values()) {
            f.close();
        }
    }
}
