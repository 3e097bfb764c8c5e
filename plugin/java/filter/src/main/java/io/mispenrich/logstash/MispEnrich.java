package io.mispenrich.logstash;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.apache.logging.log4j.Logger;

import co.elastic.logstash.api.Configuration;
import co.elastic.logstash.api.Context;
import co.elastic.logstash.api.CounterMetric;
import co.elastic.logstash.api.Event;
import co.elastic.logstash.api.Filter;
import co.elastic.logstash.api.FilterMatchListener;
import co.elastic.logstash.api.LogstashPlugin;
import co.elastic.logstash.api.NamespacedMetric;
import co.elastic.logstash.api.PluginConfigSpec;
import co.elastic.logstash.api.PluginHelper;
import co.elastic.logstash.api.TimerMetric;
import io.mispenrich.logstash.config.ConfigException;
import io.mispenrich.logstash.config.Options;
import io.mispenrich.logstash.config.Settings;
import io.mispenrich.logstash.core.BatchPlan;
import io.mispenrich.logstash.core.CoreException;
import io.mispenrich.logstash.core.CoreRuntime;
import io.mispenrich.logstash.event.EventIo;
import io.mispenrich.logstash.json.Json;
import io.mispenrich.logstash.kv.MemcachedMultiGet;
import io.mispenrich.logstash.misp.MispContextFetcher;
import io.mispenrich.logstash.misp.TlsContexts;

/**
 * The misp_enrich filter: the composition root. Per batch it makes exactly three calls into the
 * TypeScript core (begin, lookup, finish), one pipelined memcached multi-get, and at most one MISP
 * request for context not already cached. One instance serves every pipeline worker at once.
 * Nothing is thrown out of filter(): failures become tags (written by the core) and metrics.
 */
@LogstashPlugin(name = "misp_enrich")
public class MispEnrich implements Filter {

    /** Tag added to every event of a batch the core itself failed on (the events are otherwise untouched). */
    public static final String CORE_FAILURE_TAG = "_misp_enrich_core_failure";
    /** An enrichment that could not be written into this event (e.g. its [threat] is a string). */
    public static final String APPLY_FAILURE_TAG = "_misp_enrich_apply_failure";

    private final String id;
    private final Logger logger;
    private final Settings settings;
    private final CoreRuntime runtime;
    private final List<String> fieldRefs;
    private final MemcachedMultiGet kv;
    private final MispContextFetcher fetcher;
    /** The meta value last seen (see protocol.ts BeginRequest.meta); null until the first lookup. */
    private final AtomicReference<String> meta = new AtomicReference<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    private final CounterMetric eventsMetric;
    private final CounterMetric lookupsMetric;
    private final CounterMetric hitsMetric;
    private final CounterMetric matchedMetric;
    private final CounterMetric fetchesMetric;
    private final CounterMetric failuresMetric;
    private final TimerMetric batchTimeMetric;

    public MispEnrich(String id, Configuration config, Context context) {
        this.id = id;
        this.logger = context.getLogger(this);
        NamespacedMetric metric = context.getMetric(this);
        this.eventsMetric = metric.counter("events");
        this.lookupsMetric = metric.counter("lookups");
        this.hitsMetric = metric.counter("hits");
        this.matchedMetric = metric.counter("matched");
        this.fetchesMetric = metric.counter("fetches");
        this.failuresMetric = metric.counter("failures");
        this.batchTimeMetric = metric.timer("batch_time");

        this.settings = Settings.from(config);
        // Everything that can fail on a bad option is checked before anything is opened.
        javax.net.ssl.SSLContext ssl = settings.fetchContext()
                ? TlsContexts.forMisp(settings.sslVerificationMode(), settings.sslCertificateAuthorities())
                : null;
        CoreRuntime rt;
        try {
            rt = new CoreRuntime(Json.write(settings.coreOptions()), line -> logger.info("core: {}", line));
        } catch (CoreException e) {
            if (ConfigException.CODE.equals(e.code())) {
                // The core names the option in its own message.
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            throw e;
        }
        this.runtime = rt;
        List<String> refs = new ArrayList<>();
        try {
            CoreRuntime.Session s = runtime.borrow();
            try {
                for (Object o : (List<?>) Json.parse(s.call("fieldRefs", x -> x.enricher().fieldRefs()))) {
                    refs.add((String) o);
                }
            } finally {
                runtime.release(s);
            }
        } catch (RuntimeException e) {
            runtime.close();
            throw e;
        }
        this.fieldRefs = List.copyOf(refs);
        this.kv = new MemcachedMultiGet(settings.memcachedHosts(), settings.memcachedTimeoutMs());
        if (settings.fetchContext()) {
            this.fetcher = new MispContextFetcher(settings.mispUrl(), settings.mispApiKey().getPassword(),
                    settings.mispTimeoutMs(), settings.contextCacheSize(), settings.contextCacheTtlS(),
                    ssl, logger::warn, fetchesMetric::increment);
            if ("http".equalsIgnoreCase(settings.mispUrl().getScheme())) {
                logger.warn("misp_url uses http: the MISP API key travels unencrypted");
            }
        } else {
            this.fetcher = null;
        }
        if ("none".equals(settings.sslVerificationMode())) {
            logger.warn("ssl_verification_mode => none: the MISP server's certificate and host name are not checked");
        }
        logger.info("misp_enrich {} ready: core {} on GraalJS runtime '{}', fields {}, memcached {}",
                id, coreVersion(), runtime.runtimeName(), fieldRefs, settings.memcachedHosts());
    }

    private String coreVersion() {
        CoreRuntime.Session s = runtime.borrow();
        try {
            return s.call("version", x -> x.core().version());
        } finally {
            runtime.release(s);
        }
    }

    @Override
    public Collection<Event> filter(Collection<Event> events, FilterMatchListener matchListener) {
        if (events.isEmpty()) {
            return events;
        }
        long started = System.nanoTime();
        List<Event> batch = events instanceof List<Event> l ? l : new ArrayList<>(events);
        eventsMetric.increment(batch.size());
        CoreRuntime.Session session = null;
        try {
            session = runtime.borrow();
            enrich(session, batch, matchListener);
        } catch (RuntimeException e) {
            failuresMetric.increment();
            logger.error("misp_enrich: a batch of {} events was left unenriched: {}", batch.size(), e.getMessage());
            for (Event event : batch) {
                event.tag(CORE_FAILURE_TAG);
            }
        } finally {
            if (session != null) {
                runtime.release(session);
            }
            batchTimeMetric.reportUntrackedMillis((System.nanoTime() - started) / 1_000_000L);
        }
        return events;
    }

    @SuppressWarnings("unchecked")
    private void enrich(CoreRuntime.Session session, List<Event> batch, FilterMatchListener listener) {
        Map<String, Object> begin = new LinkedHashMap<>();
        begin.put("events", EventIo.readFields(batch, fieldRefs));
        begin.put("meta", meta.get());
        String beginJson = Json.write(begin);
        BatchPlan plan = session.call("begin", s -> s.enricher().begin(beginJson));
        Map<String, Object> keysResponse = (Map<String, Object>) Json.parse(session.call("keys", s -> plan.keys()));
        List<String> keys = new ArrayList<>();
        for (Object k : (List<Object>) keysResponse.get("keys")) {
            keys.add((String) k);
        }

        Map<String, Object> lookupRequest = new LinkedHashMap<>();
        if (keys.isEmpty()) {
            lookupRequest.put("values", List.of());
        } else {
            lookupsMetric.increment(keys.size());
            try {
                MemcachedMultiGet.Result r = kv.getMulti(keys);
                List<String> values = new ArrayList<>(keys.size());
                for (String v : r.values()) {
                    values.add(v);
                }
                lookupRequest.put("values", values);
            } catch (java.io.IOException | IllegalArgumentException e) {
                failuresMetric.increment();
                logger.warn("MISP_ENRICH_LOOKUP: {}", e.getMessage());
                lookupRequest.put("error", e.getMessage());
            }
        }
        String lookupJson = Json.write(lookupRequest);
        Map<String, Object> lookup = (Map<String, Object>) Json.parse(session.call("lookup", s -> plan.lookup(lookupJson)));
        // Absent when this batch's lookup did not run or failed: keep the newer value another
        // worker may have stored since this batch began.
        Object newMeta = lookup.get("meta");
        String previousMeta = newMeta instanceof String m ? meta.getAndSet(m) : meta.get();
        if ("".equals(newMeta) && !"".equals(previousMeta)) {
            // No agent of this key scheme has loaded the server: every look-up will miss. Said
            // once per change, not per batch.
            logger.warn("MISP_ENRICH_NO_AGENT_DATA: memcached holds no me1:meta key: no misp-enrich agent "
                    + "of key scheme 1 has loaded it, so nothing can match (is the agent running, and of a compatible version?)");
        }

        List<String> ids = new ArrayList<>();
        if (lookup.get("event_ids") instanceof List<?> list) {
            for (Object o : list) {
                ids.add(String.valueOf(o));
            }
        }
        Map<String, Object> contexts = new LinkedHashMap<>();
        if (!ids.isEmpty()) {
            if (fetcher != null) {
                contexts = fetcher.fetch(ids);
            } else {
                for (String eventId : ids) {
                    contexts.put(eventId, null);
                }
            }
        }
        Map<String, Object> finishRequest = new LinkedHashMap<>();
        finishRequest.put("contexts", contexts);
        finishRequest.put("now", Instant.now().toString());
        String finishJson = Json.write(finishRequest);
        Map<String, Object> finish = (Map<String, Object>) Json.parse(session.call("finish", s -> plan.finish(finishJson)));

        if (finish.get("changes") instanceof List<?> changes) {
            for (Object c : changes) {
                if (c instanceof Map<?, ?> change && change.get("index") instanceof Number index
                        && index.intValue() >= 0 && index.intValue() < batch.size()) {
                    Event event = batch.get(index.intValue());
                    try {
                        EventIo.apply(event, (Map<String, Object>) change, listener);
                    } catch (RuntimeException e) {
                        // One event whose fields conflict with the output (Logstash refuses to set
                        // [threat][enrichments] when [threat] is a string) must not cost the others.
                        failuresMetric.increment();
                        String why = String.valueOf(e.getMessage());
                        logger.warn("MISP_ENRICH_APPLY: could not write the enrichment of one event: {}",
                                why.length() > 300 ? why.substring(0, 300) + "..." : why);
                        event.tag(APPLY_FAILURE_TAG);
                    }
                }
            }
        }
        if (finish.get("stats") instanceof Map<?, ?> stats) {
            hitsMetric.increment(count(stats.get("hits")));
            matchedMetric.increment(count(stats.get("matched_events")));
            failuresMetric.increment(count(stats.get("fetch_failures")) + count(stats.get("bad_values")));
        }
    }

    private static long count(Object n) {
        return n instanceof Number x ? Math.max(0, x.longValue()) : 0;
    }

    @Override
    public Collection<PluginConfigSpec<?>> configSchema() {
        return PluginHelper.commonFilterSettings(Options.ALL);
    }

    @Override
    public String getId() {
        return id;
    }

    /** Releases every GraalJS Context, memcached connection and HTTP thread. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (fetcher != null) {
            fetcher.close();
        }
        kv.close();
        runtime.close();
    }
}
