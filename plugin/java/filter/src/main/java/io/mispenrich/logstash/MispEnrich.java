package io.mispenrich.logstash;

import io.mispenrich.logstash.log.ErrorCode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

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
import io.mispenrich.logstash.enrich.BatchEnricher;
import io.mispenrich.logstash.contract.CoreAnswers.EnricherInfo;
import io.mispenrich.logstash.contract.CoreAnswers.FieldSpec;
import io.mispenrich.logstash.enrich.ValueMemory;
import io.mispenrich.logstash.graaljs.CoreException;
import io.mispenrich.logstash.graaljs.CoreRuntime;
import io.mispenrich.logstash.graaljs.CompilerReach;
import io.mispenrich.logstash.graaljs.ResourceCache;
import io.mispenrich.logstash.json.Json;
import io.mispenrich.logstash.kv.MemcachedMultiGet;
import io.mispenrich.logstash.log.Log4jLog;
import io.mispenrich.logstash.log.PluginLog;
import io.mispenrich.logstash.config.MispInstances;
import io.mispenrich.logstash.misp.ContextRouter;
import io.mispenrich.logstash.misp.MispContextFetcher;
import io.mispenrich.logstash.ports.ContextPort;
import io.mispenrich.logstash.misp.TlsContexts;
import io.mispenrich.logstash.sightings.SightingsMetrics;
import io.mispenrich.logstash.sightings.SightingTally;
import io.mispenrich.logstash.sightings.SightingsSender;

/**
 * The misp_enrich filter: the composition root. It wires the ports (memcached, MISP, the GraalJS
 * core) to the {@link BatchEnricher}, which runs each batch through the protocol of
 * plugin/core/protocol.ts: at most three calls into the core per batch (none when every value is
 * remembered and nothing hits), one pipelined memcached multi-get, and a MISP request only for
 * context not already cached. One instance serves every pipeline worker at once. Nothing is
 * thrown out of filter(): failures become tags (written by the core) and metrics.
 */
@LogstashPlugin(name = "misp_enrich")
public class MispEnrich implements Filter {

    private final String id;
    private final PluginLog logger;
    private final Settings settings;
    private final CoreRuntime runtime;
    private final EnricherInfo info;
    private final ValueMemory memory;
    private final MemcachedMultiGet kv;
    /** MISP context: misp_url's fetcher, or a router over it and the misp_sources instances; null when fetch_context is off. */
    private final ContextPort fetcher;
    private final BatchEnricher enricher;
    /** Hits reported to MISP as sightings (option sightings); both null when off. */
    private final SightingTally sightingTally;
    private final SightingsSender sightings;
    private final AtomicBoolean closed = new AtomicBoolean();

    private final CounterMetric lookupsMetric;
    private final CounterMetric hitsMetric;
    private final CounterMetric matchedMetric;
    private final CounterMetric fetchesMetric;
    private final CounterMetric failuresMetric;
    private final CounterMetric newValuesMetric;
    private final CounterMetric skippedValuesMetric;
    private final CounterMetric coreCallsMetric;
    private final TimerMetric batchTimeMetric;
    private final SightingsMetrics sightingsMetrics;

    public MispEnrich(String id, Configuration config, Context context) {
        this.id = id;
        this.logger = Log4jLog.of(context, this);
        NamespacedMetric metric = context.getMetric(this);
        this.lookupsMetric = metric.counter("lookups");
        this.hitsMetric = metric.counter("hits");
        this.matchedMetric = metric.counter("matched");
        this.fetchesMetric = metric.counter("fetches");
        this.failuresMetric = metric.counter("failures");
        this.newValuesMetric = metric.counter("new_values");
        this.skippedValuesMetric = metric.counter("skipped_values");
        this.coreCallsMetric = metric.counter("core_calls");
        this.batchTimeMetric = metric.timer("batch_time");
        this.sightingsMetrics = new SightingsMetrics(metric);

        this.settings = Settings.from(config);
        // Everything that can fail on a bad option is checked before anything is opened.
        boolean talksToMisp = settings.misp().fetchContext() || settings.sightings().enabled();
        javax.net.ssl.SSLContext ssl = talksToMisp ? TlsContexts.forMisp(settings.tls()) : null;
        javax.net.ssl.SSLParameters sslParameters = ssl == null ? null : TlsContexts.parameters(ssl, settings.tls());
        // Before the first polyglot Engine of this JVM: Truffle reads its resource cache location once.
        ResourceCache.Choice cache = ResourceCache.prepare(MispEnrich.class.getPackage().getImplementationVersion());
        if (cache.failed()) {
            logger.warn(ErrorCode.RESOURCE_CACHE.say("{}"), cache.how());
        } else if (cache.dir() != null) {
            logger.info("GraalJS resource cache: {} ({})", cache.dir(), cache.how());
        }
        // Also before the first Engine: Truffle picks its runtime once, in a static initializer.
        CompilerReach.prepare().ifPresent(why -> logger.warn(ErrorCode.JIT_UNREACHABLE.say("{}"), why));
        CoreRuntime rt;
        try {
            rt = new CoreRuntime(Json.write(settings.coreOptions()), line -> logger.info("core: {}", line));
        } catch (CoreException e) {
            if (e.code() == ErrorCode.CONFIG) {
                // The core names the option in its own message.
                throw new IllegalArgumentException(e.getMessage(), e);
            }
            throw e;
        }
        this.runtime = rt;
        List<MispInstances.Instance> instances;
        try {
            CoreRuntime.Session s = runtime.borrow();
            try {
                this.info = EnricherInfo.decode(Json.parse(s.call("describe", x -> x.enricher().describe())));
            } finally {
                runtime.release(s);
            }
            // The core has read misp_sources' shape; its key files, CA files and URLs are checked here.
            instances = settings.misp().fetchContext() ? MispInstances.resolve(info.mispInstances(), settings) : List.of();
            this.fetcher = settings.misp().fetchContext() ? contextPort(instances, ssl, sslParameters) : null;
        } catch (RuntimeException e) {
            runtime.close();
            throw e;
        }
        this.memory = new ValueMemory(settings.valueCacheSize(), info.retroKeys() != null);
        // Started last, and closed with what was opened before them if one cannot start.
        MemcachedMultiGet memcached = null;
        SightingTally tally = null;
        SightingsSender sender = null;
        try {
            memcached = new MemcachedMultiGet(settings.memcached().hosts(), settings.memcached().timeoutMs(), settings.memcached().maxValueBytes());
            if (settings.sightings().enabled()) {
                tally = new SightingTally((int) settings.sightings().maxAttributes(), () -> System.currentTimeMillis() / 1000L);
                sender = new SightingsSender(settings.misp(), settings.sightings(), ssl, sslParameters, tally, sightingsMetrics, logger::warn);
            }
        } catch (RuntimeException e) {
            if (memcached != null) {
                memcached.close();
            }
            if (fetcher != null) {
                fetcher.close();
            }
            runtime.close();
            throw e;
        }
        this.kv = memcached;
        this.sightingTally = tally;
        this.sightings = sender;
        this.enricher = new BatchEnricher(info, memory, kv, fetcher, new LogReporter(),
                new BatchEnricher.Limits((int) settings.maxValueLength(), (int) settings.maxValuesPerField()),
                settings.tags().onApplyFailure(), sightingTally);
        if (talksToMisp && settings.misp().url() != null && "http".equalsIgnoreCase(settings.misp().url().getScheme())) {
            logger.warn("misp_url uses http: the MISP API key travels unencrypted");
        }
        if (talksToMisp && settings.misp().url() != null && "none".equals(settings.tls().verificationMode())) {
            logger.warn("ssl_verification_mode => none: the MISP server's certificate and host name are not checked");
        }
        for (MispInstances.Instance instance : instances) {
            if ("http".equalsIgnoreCase(instance.misp().url().getScheme())) {
                logger.warn("misp_sources: MISP instance \"{}\" uses http: its API key travels unencrypted", instance.name());
            }
            if ("none".equals(instance.tls().verificationMode())) {
                logger.warn("misp_sources: MISP instance \"{}\" is asked without checking its certificate and host name", instance.name());
            }
        }
        logger.info("misp_enrich {} ready: core {} on GraalJS runtime '{}', fields {}, memcached {}, value_cache_size {}, sightings {}",
                id, coreVersion(), runtime.runtimeName(), info.fields().stream().map(FieldSpec::ref).toList(), settings.memcached().hosts(), settings.valueCacheSize(),
                settings.sightings().enabled() ? "every " + settings.sightings().intervalMs() / 1000.0 + " s as \"" + settings.sightings().source() + "\"" : "off");
    }

    /** misp_url's fetcher alone, or a router over it (when set) and one fetcher per misp_sources instance. */
    private ContextPort contextPort(List<MispInstances.Instance> instances, javax.net.ssl.SSLContext ssl, javax.net.ssl.SSLParameters sslParameters) {
        if (instances.isEmpty()) {
            return new MispContextFetcher(null, settings.misp(), ssl, sslParameters, logger::warn, fetchesMetric::increment);
        }
        // Every instance's TLS is set up (and may be refused) before any fetcher starts its threads.
        List<javax.net.ssl.SSLContext> contexts = new ArrayList<>();
        List<javax.net.ssl.SSLParameters> parameters = new ArrayList<>();
        for (MispInstances.Instance instance : instances) {
            try {
                javax.net.ssl.SSLContext instanceSsl = TlsContexts.forMisp(instance.tls());
                contexts.add(instanceSsl);
                parameters.add(TlsContexts.parameters(instanceSsl, instance.tls()));
            } catch (ConfigException bad) {
                // Its caFile, or the filter's ssl_* it inherits: said under misp_sources, with its name.
                throw new ConfigException(Options.MISP_SOURCES.name(), "instance \"" + instance.name() + "\": " + bad.getMessage());
            }
        }
        java.util.Map<String, MispContextFetcher> byName = new java.util.LinkedHashMap<>();
        for (int i = 0; i < instances.size(); i++) {
            MispInstances.Instance instance = instances.get(i);
            byName.put(instance.name(), new MispContextFetcher(instance.name(), instance.misp(), contexts.get(i), parameters.get(i),
                    logger::warn, fetchesMetric::increment));
        }
        return new ContextRouter(settings.misp().url() == null ? null
                : new MispContextFetcher(null, settings.misp(), ssl, sslParameters, logger::warn, fetchesMetric::increment), byName);
    }

    private String coreVersion() {
        CoreRuntime.Session s = runtime.borrow();
        try {
            return s.call("version", x -> x.core().version());
        } finally {
            runtime.release(s);
        }
    }

    /** Failures the batch enricher reports, as log lines with their stable codes. */
    private final class LogReporter implements BatchEnricher.Reporter {
        @Override
        public void lookupFailed(String why) {
            failuresMetric.increment();
            logger.warn(ErrorCode.LOOKUP.say("{}"), why);
        }

        @Override
        public void noAgentData() {
            // No agent of this key scheme has loaded the server: every look-up will miss. Said
            // once per change, not per batch.
            logger.warn(ErrorCode.NO_AGENT_DATA.say("memcached holds no ") + info.metaKey() + " key: no misp-enrich agent "
                    + "of this key scheme has loaded it, so nothing can match (is the agent running, and of a compatible version?)");
        }

        @Override
        public void applyFailed(String why) {
            failuresMetric.increment();
            logger.warn(ErrorCode.APPLY.say("could not write the enrichment of one event: {}"), why);
        }
    }

    /** The core's calls for one batch: a Context is borrowed at the first call and kept to the end. */
    private final class BatchSession implements BatchEnricher.CoreCalls {
        private CoreRuntime.Session session;
        private int calls;

        private CoreRuntime.Session session() {
            calls++;
            if (session == null) {
                session = runtime.borrow();
            }
            return session;
        }

        @Override
        public String keys(String wire) {
            return session().call("keys", s -> s.enricher().keysWire(wire));
        }

        @Override
        public String match(String wire) {
            return session().call("match", s -> s.enricher().matchWire(wire));
        }

        @Override
        public String finish(String wire) {
            return session().call("finish", s -> s.enricher().finishWire(wire));
        }

        void release() {
            if (session != null) {
                runtime.release(session);
                session = null;
            }
        }

        void discard() {
            if (session != null) {
                session.retire();
            }
        }
    }

    @Override
    public Collection<Event> filter(Collection<Event> events, FilterMatchListener matchListener) {
        if (events.isEmpty()) {
            return events;
        }
        long started = System.nanoTime();
        List<Event> batch = events instanceof List<Event> l ? l : new ArrayList<>(events);
        BatchSession core = new BatchSession();
        try {
            BatchEnricher.Outcome o = enricher.enrich(batch, matchListener, core);
            lookupsMetric.increment(o.keys());
            newValuesMetric.increment(o.newValues());
            skippedValuesMetric.increment(o.skippedValues());
            hitsMetric.increment(o.hits());
            matchedMetric.increment(o.matchedEvents());
            failuresMetric.increment(o.fetchFailures() + o.badValues());
        } catch (Throwable e) {
            // Never thrown out of filter(), whatever it is (an Error included): the batch passes
            // on, tagged, and a Context that saw an Error is not used again.
            if (!(e instanceof RuntimeException)) {
                core.discard();
            }
            failuresMetric.increment();
            logger.error("misp_enrich: a batch of {} events was left unenriched: {}", batch.size(), String.valueOf(e));
            for (Event event : batch) {
                try {
                    for (String tag : settings.tags().onCoreFailure()) {
                        event.tag(tag);
                    }
                } catch (Throwable ignored) {
                    // an event that refuses even a tag still passes on, as it came
                }
            }
        } finally {
            core.release();
            coreCallsMetric.increment(core.calls);
            batchTimeMetric.reportUntrackedMillis((System.nanoTime() - started) / 1_000_000L);
        }
        return events;
    }

    @Override
    public Collection<PluginConfigSpec<?>> configSchema() {
        return PluginHelper.commonFilterSettings(Options.ALL);
    }

    @Override
    public String getId() {
        return id;
    }

    /**
     * Sends the last sightings (bounded by misp_timeout), then releases every GraalJS Context,
     * memcached connection and HTTP thread. Idempotent.
     */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        if (sightings != null) {
            sightings.close();
        }
        if (fetcher != null) {
            fetcher.close();
        }
        kv.close();
        runtime.close();
    }
}
