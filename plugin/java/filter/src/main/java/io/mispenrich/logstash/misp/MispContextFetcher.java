package io.mispenrich.logstash.misp;

import io.mispenrich.logstash.log.ErrorCode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.Executors;
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
 * out as ONE events/restSearch request. A failure is cached too, briefly, so a MISP outage costs
 * one timeout per {@link #FAILURE_TTL} rather than one per batch.
 *
 * <p>Every exchange is bounded: misp_timeout for the whole of it, headers and body (a server
 * that sends headers and then nothing, or trickles bytes, is cut off and counted as a failure),
 * and misp_max_response_bytes for the body.
 */
public final class MispContextFetcher implements ContextPort {

    static final Duration FAILURE_TTL = Duration.ofSeconds(15);

    /** A cached answer: the event's JSON text as MISP sent it, or null when it could not be fetched. */
    private record Fetched(String event) {
    }

    private final URI endpoint;
    private final String apiKey;
    private final Duration timeout;
    private final ExecutorService executor;
    private final HttpClient http;
    private final AsyncLoadingCache<String, Fetched> cache;
    private final Consumer<String> warn;
    private final Runnable onRequest;
    private final long maxResponseBytes;
    /** Cancels exchanges that run past the timeout (HttpClient's own only covers the headers). */
    private final ScheduledExecutorService deadlines;

    /**
     * @param warn      receives failure messages (never the API key)
     * @param onRequest called once per request sent to MISP (the fetches metric)
     */
    public MispContextFetcher(Settings.Misp misp, SSLContext ssl, SSLParameters sslParameters, Consumer<String> warn, Runnable onRequest) {
        URI mispUrl = misp.url();
        String apiKey = misp.apiKey().getPassword();
        long timeoutMs = misp.timeoutMs();
        long cacheSize = misp.contextCacheSize();
        long maxResponseBytes = misp.maxResponseBytes();
        this.endpoint = URI.create(MispHttp.baseUrl(mispUrl) + "/events/restSearch");
        this.apiKey = apiKey;
        this.timeout = Duration.ofMillis(timeoutMs);
        this.warn = warn;
        this.onRequest = onRequest;
        this.maxResponseBytes = maxResponseBytes;
        this.executor = Executors.newFixedThreadPool(2, MispHttp.daemonThreads("misp-enrich-http"));
        this.deadlines = Executors.newSingleThreadScheduledExecutor(MispHttp.daemonThreads("misp-enrich-http"));
        this.http = MispHttp.client(misp, ssl, sslParameters, executor);
        Duration ttl = Duration.ofMillis(misp.contextCacheTtlMs());
        Duration failureTtl = ttl.compareTo(FAILURE_TTL) < 0 ? ttl : FAILURE_TTL;
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
        Map<String, String> out = new LinkedHashMap<>();
        if (ids.isEmpty()) {
            return out;
        }
        CompletableFuture<Map<String, Fetched>> all = cache.getAll(ids);
        Map<String, Fetched> got;
        try {
            got = all.get(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS);
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
            onRequest.run();
            HttpRequest request = HttpRequest.newBuilder(endpoint)
                    .timeout(timeout)
                    .header("Authorization", apiKey)
                    .header("Accept", "application/json")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(requestBody(list), StandardCharsets.UTF_8))
                    .build();
            CompletableFuture<HttpResponse<String>> exchange = http.sendAsync(request, LimitedBody.handler(maxResponseBytes));
            ScheduledFuture<?> deadline = deadlines.schedule(() -> exchange.cancel(true), timeout.toMillis(), TimeUnit.MILLISECONDS);
            return exchange
                    .handle((response, error) -> {
                        deadline.cancel(false);
                        Map<String, Fetched> result = new HashMap<>();
                        Map<String, String> events = Map.of();
                        if (error instanceof CancellationException || (error != null && error.getCause() instanceof CancellationException)) {
                            warn.accept(ErrorCode.FETCH.say("events/restSearch did not complete within misp_timeout; cut off"));
                        } else if (error != null) {
                            warn.accept(ErrorCode.FETCH.say("events/restSearch failed: ") + describe(error));
                        } else if (response.statusCode() != 200) {
                            warn.accept(ErrorCode.FETCH.say("events/restSearch answered HTTP ") + response.statusCode());
                        } else {
                            try {
                                events = eventsById(response.body());
                            } catch (RuntimeException e) {
                                warn.accept(ErrorCode.FETCH.say("events/restSearch answered something other than JSON events"));
                            }
                        }
                        for (String id : list) {
                            result.put(id, new Fetched(events.get(id)));
                        }
                        return result;
                    });
        }
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
        http.shutdownNow();
        try {
            http.awaitTermination(Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        deadlines.shutdownNow();
        executor.shutdownNow();
        try {
            deadlines.awaitTermination(5, TimeUnit.SECONDS);
            executor.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
