package io.mispenrich.logstash.sightings;

import io.mispenrich.logstash.log.ErrorCode;
import java.io.IOException;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import io.mispenrich.logstash.config.Settings;
import io.mispenrich.logstash.misp.MispExchange;
import io.mispenrich.logstash.misp.MispHttp;
import io.mispenrich.logstash.json.Json;

/**
 * Reports what the {@link SightingTally} counted to MISP, on a thread of its own, every
 * sightings_interval: nothing here ever runs on a pipeline worker.
 *
 * <p>The endpoint is MISP's bulk one, {@code POST /sightings/bulkSaveSightings/{event id}}
 * (SightingsController::bulkSaveSightings → Sighting::bulkSaveSightings): any number of sightings
 * of one event in one request and one saveMany, each named by the attribute's uuid and carrying
 * its own sighting uuid, which MISP uses to skip sightings it already has, so a request retried
 * after a timeout never stores anything twice. One request per event with hits (split past
 * {@link #MAX_SIGHTINGS_PER_REQUEST}), at most {@link #MAX_REQUESTS_PER_REPORT} per report whatever
 * the hit rate; the others wait, in a queue of at most {@link #MAX_QUEUED_REQUESTS}.
 *
 * <p>Per attribute and report, min(hits, sightings_max_per_attribute) sightings of type 0, dated
 * at the attribute's last hit (MISP stores one row per sighting and has no count). A failed
 * request (no answer, 408, 429, 5xx) is tried again at the next reports, {@link #MAX_ATTEMPTS}
 * times in all, then dropped; one MISP refuses (another 4xx) is dropped at once. Everything
 * dropped is counted.
 */
public final class SightingsSender implements AutoCloseable {

    static final int MAX_REQUESTS_PER_REPORT = 4;
    static final int MAX_SIGHTINGS_PER_REQUEST = 2_000;
    static final int MAX_QUEUED_REQUESTS = 100;
    static final int MAX_ATTEMPTS = 3;
    /** At close(), what is pending goes out in at most this many requests, within misp_timeout. */
    static final int MAX_REQUESTS_AT_CLOSE = 25;

    /** The filter's counters (Logstash metrics). */
    public interface Counters {
        void request();

        void sent(long sightings);

        void failed();

        void dropped(long sightings);
    }

    private record Request(String eventId, String body, int sightings, int attempts) {
        Request again() {
            return new Request(eventId, body, sightings, attempts + 1);
        }
    }

    private enum Result { SENT, RETRY, REFUSED }

    private final Duration timeout;
    private final Settings.Sightings config;
    private final SightingTally tally;
    private final Counters counters;
    private final Consumer<String> warn;
    private final MispExchange http;
    private final ScheduledExecutorService scheduler;
    /** Touched only by the scheduler's thread, and by close() once that thread has stopped. */
    private final ArrayDeque<Request> queue = new ArrayDeque<>();

    public SightingsSender(Settings.Misp misp, Settings.Sightings config, SSLContext ssl, SSLParameters sslParameters,
                           SightingTally tally, Counters counters, Consumer<String> warn) {
        this.timeout = Duration.ofMillis(misp.timeoutMs());
        this.config = config;
        this.tally = tally;
        this.counters = counters;
        this.warn = warn;
        // The exchanges run on the scheduler's thread; this one only cuts them off at misp_timeout.
        this.http = new MispExchange(misp, ssl, sslParameters, "misp-enrich-sightings-deadline");
        this.scheduler = Executors.newSingleThreadScheduledExecutor(MispHttp.daemonThreads("misp-enrich-sightings"));
        long every = config.intervalMs();
        scheduler.scheduleWithFixedDelay(this::report, every, every, TimeUnit.MILLISECONDS);
    }

    /** One report: take the tally, queue its requests, send a few. Never throws (it would stop the schedule). */
    private void report() {
        try {
            take();
            send(MAX_REQUESTS_PER_REPORT, Long.MAX_VALUE);
        } catch (Throwable t) {
            warn.accept(ErrorCode.SIGHTINGS.say("a sightings report failed: ") + t);
        }
    }

    private void take() {
        long dropped = tally.takeDropped();
        if (dropped > 0) {
            counters.dropped(dropped);
        }
        Map<String, List<Map<String, Object>>> byEvent = new LinkedHashMap<>();
        for (SightingTally.Count c : tally.drain()) {
            long rows = Math.min(c.hits(), config.maxPerAttribute());
            List<Map<String, Object>> list = byEvent.computeIfAbsent(c.eventId(), k -> new ArrayList<>());
            for (long i = 0; i < rows; i++) {
                Map<String, Object> s = new LinkedHashMap<>();
                s.put("attribute_uuid", c.attributeUuid());
                s.put("uuid", UUID.randomUUID().toString());
                s.put("date_sighting", Long.toString(c.lastSeconds()));
                s.put("type", "0");
                s.put("source", config.source());
                list.add(s);
            }
        }
        for (Map.Entry<String, List<Map<String, Object>>> e : byEvent.entrySet()) {
            List<Map<String, Object>> all = e.getValue();
            for (int from = 0; from < all.size(); from += MAX_SIGHTINGS_PER_REQUEST) {
                List<Map<String, Object>> part = all.subList(from, Math.min(all.size(), from + MAX_SIGHTINGS_PER_REQUEST));
                queue.addLast(new Request(e.getKey(), Json.write(part), part.size(), 0));
            }
        }
        while (queue.size() > MAX_QUEUED_REQUESTS) {
            counters.dropped(queue.pollFirst().sightings());
        }
    }

    /** Sends up to max queued requests before the deadline (System.nanoTime()); stops at the first failure. */
    private void send(int max, long deadlineNanos) {
        List<Request> retry = new ArrayList<>();
        for (int i = 0; i < max && !queue.isEmpty() && System.nanoTime() < deadlineNanos; i++) {
            Request r = queue.pollFirst();
            Result result = post(r);
            if (result == Result.SENT) {
                counters.sent(r.sightings());
                continue;
            }
            counters.failed();
            if (result == Result.RETRY && r.attempts() + 1 < MAX_ATTEMPTS) {
                retry.add(r.again());
            } else {
                counters.dropped(r.sightings());
            }
            // MISP is failing: the rest waits for the next report rather than fail the same way now.
            break;
        }
        for (int i = retry.size() - 1; i >= 0; i--) {
            queue.addFirst(retry.get(i));
        }
    }

    private Result post(Request r) {
        counters.request();
        URL url;
        try {
            url = http.url("/sightings/bulkSaveSightings/" + encode(r.eventId()));
        } catch (IllegalArgumentException e) {
            warn.accept(ErrorCode.SIGHTINGS.say("cannot address MISP event ") + r.eventId() + "; its sightings are dropped");
            return Result.REFUSED;
        }
        int status;
        try {
            // The whole exchange, body included, within misp_timeout (MispExchange cuts it off).
            status = http.post(url, r.body(), false).status();
        } catch (MispExchange.CutOff e) {
            warn.accept(ErrorCode.SIGHTINGS.say("sightings/bulkSaveSightings did not answer within misp_timeout (attempt ") + (r.attempts() + 1) + " of " + MAX_ATTEMPTS + ")");
            return Result.RETRY;
        } catch (IOException | RuntimeException e) {
            warn.accept(ErrorCode.SIGHTINGS.say("sightings/bulkSaveSightings failed: ") + e + " (attempt " + (r.attempts() + 1) + " of " + MAX_ATTEMPTS + ")");
            return Result.RETRY;
        }
        if (status >= 200 && status < 300) {
            return Result.SENT;
        }
        boolean retry = status == 408 || status == 429 || status >= 500;
        warn.accept(ErrorCode.SIGHTINGS.say("sightings/bulkSaveSightings answered HTTP ") + status
                + (retry ? " (attempt " + (r.attempts() + 1) + " of " + MAX_ATTEMPTS + ")" : "; these sightings are dropped"));
        return retry ? Result.RETRY : Result.REFUSED;
    }

    private static String encode(String eventId) {
        return java.net.URLEncoder.encode(eventId, StandardCharsets.UTF_8).replace("+", "%20");
    }

    /**
     * Stops the schedule, then sends what is pending (the last hits included) in at most
     * {@link #MAX_REQUESTS_AT_CLOSE} requests within misp_timeout; what is left is counted as
     * dropped. Releases the threads. Idempotent.
     */
    @Override
    public void close() {
        if (scheduler.isShutdown()) {
            return;
        }
        scheduler.shutdown();
        try {
            if (!scheduler.awaitTermination(timeout.toMillis() + 1_000, TimeUnit.MILLISECONDS)) {
                scheduler.shutdownNow();
            }
            take();
            long deadline = System.nanoTime() + timeout.toNanos();
            for (int sent = 0; sent < MAX_REQUESTS_AT_CLOSE && !queue.isEmpty() && System.nanoTime() < deadline; sent++) {
                int before = queue.size();
                send(1, deadline);
                if (queue.size() >= before) {
                    // MISP failed it: no more attempts at shutdown.
                    break;
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Throwable t) {
            warn.accept(ErrorCode.SIGHTINGS.say("the last sightings report failed: ") + t);
        } finally {
            for (Request r : queue) {
                counters.dropped(r.sightings());
            }
            queue.clear();
            http.close();
        }
    }
}
