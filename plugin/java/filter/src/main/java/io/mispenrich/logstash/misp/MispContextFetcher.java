package io.mispenrich.logstash.misp;

import io.mispenrich.logstash.log.ErrorCode;
import java.io.IOException;
import java.net.URL;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import com.github.benmanes.caffeine.cache.AsyncCacheLoader;
import com.github.benmanes.caffeine.cache.AsyncLoadingCache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;

import io.mispenrich.logstash.config.Settings;
import io.mispenrich.logstash.json.Json;
import io.mispenrich.logstash.ports.ContextPort;

/**
 * The fetch port: MISP event context (metadata only) for the hits of a batch, by event id.
 *
 * <p>One Caffeine AsyncLoadingCache is shared by every pipeline worker: bounded in size, entries
 * expire after context_cache_ttl, and while an id is being fetched every other worker waits on
 * the same future, so at most one request per event id is in flight. A batch's missing ids go
 * out as ONE events/restSearch request. A failure is cached too, for context_failure_ttl (never
 * longer than context_cache_ttl), so a MISP outage costs one timeout per that time rather than
 * one per batch.
 *
 * <p>Every exchange is bounded ({@link MispExchange}): misp_timeout for the whole of it, headers
 * and body (a server that sends headers and then nothing, or trickles bytes, is cut off and
 * counted as a failure), and misp_max_response_bytes for the body. The exchanges run on two
 * daemon threads of their own.
 */
public final class MispContextFetcher implements ContextPort {

    /** A cached answer: the event's JSON text as MISP sent it, or null when it could not be fetched. */
    record Fetched(String event) {
    }

    private final URL endpoint;
    private final Duration timeout;
    private final ExecutorService executor;
    private final MispExchange http;
    private final AsyncLoadingCache<String, Fetched> cache;
    private final Consumer<String> warn;
    private final Runnable onRequest;
    /** How failure messages name the endpoint: with the instance's name for a further MISP instance. */
    private final String endpointName;

    /**
     * @param instance  the misp_sources instance this fetcher asks, or null for misp_url
     * @param warn      receives failure messages (never the API key)
     * @param onRequest called once per request sent to MISP (the fetches metric)
     */
    public MispContextFetcher(String instance, Settings.Misp misp, SSLContext ssl, SSLParameters sslParameters, Consumer<String> warn, Runnable onRequest) {
        this.endpointName = instance == null ? "events/restSearch" : "events/restSearch of MISP instance \"" + instance + "\"";
        long cacheSize = misp.contextCacheSize();
        this.http = new MispExchange(misp, ssl, sslParameters, "misp-enrich-http-deadline");
        this.endpoint = http.url("/events/restSearch");
        this.timeout = Duration.ofMillis(misp.timeoutMs());
        this.warn = warn;
        this.onRequest = onRequest;
        this.executor = Executors.newFixedThreadPool(2, MispHttp.daemonThreads("misp-enrich-http"));
        Duration ttl = Duration.ofMillis(misp.contextCacheTtlMs());
        Duration failure = Duration.ofMillis(misp.contextFailureTtlMs());
        Duration failureTtl = ttl.compareTo(failure) < 0 ? ttl : failure;
        this.cache = Caffeine.newBuilder()
                .maximumSize(cacheSize)
                .expireAfter(Expiry.creating((String id, Fetched f) -> f.event() != null ? ttl : failureTtl))
                // Maintenance runs on the calling thread: no ForkJoinPool threads to outlive close().
                .executor(Runnable::run)
                .buildAsync(new Loader());
    }

    /**
     * contexts[id] for each id: the JSON text of {"Event": {...}} as MISP sent it (kept as text so
     * a cached context is never written again per batch), or null. Waits at most about
     * misp_timeout; never throws.
     */
    @Override
    public Map<String, String> fetch(List<String> ids) {
        return await(start(ids), ids, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(deadlineMs()));
    }

    /** How long a fetch may wait for its answers: misp_timeout and a second. */
    long deadlineMs() {
        return timeout.toMillis() + 1_000;
    }

    /** Starts fetching these ids (cached ones answer at once); {@link #await} collects them. */
    CompletableFuture<Map<String, Fetched>> start(List<String> ids) {
        return ids.isEmpty() ? CompletableFuture.completedFuture(Map.of()) : cache.getAll(ids);
    }

    /** The answers of a {@link #start}ed fetch, waiting until deadlineNanos (System.nanoTime) at most; never throws. */
    Map<String, String> await(CompletableFuture<Map<String, Fetched>> all, List<String> ids, long deadlineNanos) {
        Map<String, String> out = new LinkedHashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        Map<String, Fetched> got;
        try {
            got = all.get(Math.max(0, deadlineNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            got = Map.of();
        } catch (ExecutionException | TimeoutException e) {
            got = Map.of();
        }
        for (String id : ids) {
            Fetched f = got.get(id);
            out.put(id, f == null ? null : f.event());
        }
        return out;
    }

    private final class Loader implements AsyncCacheLoader<String, Fetched> {
        @Override
        public CompletableFuture<? extends Fetched> asyncLoad(String id, java.util.concurrent.Executor ex) {
            return asyncLoadAll(Set.of(id), ex).thenApply(m -> m.get(id));
        }

        @Override
        public CompletableFuture<? extends Map<? extends String, ? extends Fetched>> asyncLoadAll(
                Set<? extends String> ids, java.util.concurrent.Executor ex) {
            List<String> list = new ArrayList<>(ids);
            try {
                return CompletableFuture.supplyAsync(() -> load(list), executor);
            } catch (RejectedExecutionException e) {
                // closed: nothing is fetched any more
                Map<String, Fetched> none = new HashMap<>();
                for (String id : list) {
                    none.put(id, new Fetched(null));
                }
                return CompletableFuture.completedFuture(none);
            }
        }
    }

    /** One events/restSearch request for these ids, on an exchange thread; never throws. */
    private Map<String, Fetched> load(List<String> list) {
        onRequest.run();
        Map<String, String> events = Map.of();
        try {
            MispExchange.Response response = http.post(endpoint, requestBody(list), true);
            if (response.status() != 200) {
                warn.accept(ErrorCode.FETCH.say(endpointName + " answered HTTP ") + response.status());
            } else {
                try {
                    events = eventsById(response.body());
                } catch (RuntimeException e) {
                    warn.accept(ErrorCode.FETCH.say(endpointName + " answered something other than JSON events"));
                }
            }
        } catch (MispExchange.CutOff e) {
            warn.accept(ErrorCode.FETCH.say(endpointName + " did not complete within misp_timeout; cut off"));
        } catch (IOException | RuntimeException e) {
            warn.accept(ErrorCode.FETCH.say(endpointName + " failed: ") + describe(e));
        }
        Map<String, Fetched> result = new HashMap<>();
        for (String id : list) {
            result.put(id, new Fetched(events.get(id)));
        }
        return result;
    }

    private static String describe(Throwable t) {
        Throwable c = t;
        while (c.getCause() != null && c.getCause() != c) {
            c = c.getCause();
        }
        String m = c.getMessage();
        return c.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    static String requestBody(List<String> ids) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("returnFormat", "json");
        body.put("eventid", ids);
        body.put("metadata", true);
        return Json.write(body);
    }

    /** {"response":[{"Event":{...}}, ...]} (or a bare array) → the text of each {"Event":...} item, by event id. */
    static Map<String, String> eventsById(String body) {
        Map<String, String> out = new HashMap<>();
        for (Json.Sourced item : Json.arrayElements(body, "response")) {
            if (item.value() instanceof Map<?, ?> wrapper && wrapper.get("Event") instanceof Map<?, ?> event) {
                Object id = event.get("id");
                if (id instanceof String || id instanceof Number) {
                    out.put(String.valueOf(id), item.text());
                }
            }
        }
        return out;
    }

    @Override
    public void close() {
        cache.synchronous().invalidateAll();
        // Disconnects what is in flight first, so the exchange threads are free to stop.
        http.close();
        MispHttp.stopNow(executor);
    }
}
