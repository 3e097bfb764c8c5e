package io.mispenrich.harness.diag;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.Writer;
import java.net.URI;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import co.elastic.logstash.api.Password;
import io.mispenrich.logstash.config.Settings;
import io.mispenrich.logstash.json.Json;
import io.mispenrich.logstash.kv.HostPort;
import io.mispenrich.logstash.kv.MemcachedMultiGet;
import io.mispenrich.logstash.log.ErrorCode;
import io.mispenrich.logstash.misp.MispContextFetcher;
import io.mispenrich.logstash.misp.TlsContexts;
import io.mispenrich.logstash.ports.ContextPort;
import io.mispenrich.logstash.ports.KeyValuePort;

/**
 * One of the plugin jar's port implementations, driven operation by operation, so the port
 * contract suites (spec/contracts) run the same cases against the Java implementations as against
 * the Node ones. The port is built from the jar's own classes exactly as MispEnrich builds it
 * from its Settings records; test tooling, so it lives here and not in the jar ({@link DiagLoader}).
 *
 * <p>The configuration is one JSON object:
 * <pre>
 * {"port": "memcached", "hosts": ["127.0.0.1:11211", ...], "timeoutMs": 500, "maxValueBytes": 1048576}
 * {"port": "misp-context", "url": "http://...", "apiKey": "...", "timeoutMs": 5000, "maxResponseBytes": 16777216,
 *  "contextCacheSize": 10000, "contextCacheTtlMs": 300000}
 * </pre>
 * Then one operation per input line, each answered by one output line, in order, until
 * {"close": true} or the end of the input (both close the port):
 * <pre>
 * {"get": [key, ...]}            → {"values": [value | null, ...]} or {"error": {"type", "message", "code"}}
 * {"fetch": [id, ...]}           → {"events": {id: text | null}, "warnings": [...], "requests": n}
 * {"fetchConcurrently": [[id, ...], ...]}  (each list from its own thread, started together)
 *                                → {"results": [{id: text | null}, ...], "warnings": [...], "requests": n}
 * </pre>
 * An event's text is the {"Event": {...}} item as MISP sent it; "warnings" are what the fetcher
 * logged since the previous answer, "requests" the events/restSearch requests sent so far (the
 * fetches metric). A malformed operation is answered {"error": ...} and the port stays open.
 */
public final class PortProbe {

    private PortProbe() {
    }

    /** Runs a probe: the port from configJson, operations from in, answers to out; closes the port before returning. */
    @SuppressWarnings("unchecked")
    public static void run(String configJson, BufferedReader in, Writer out) throws IOException {
        Map<String, Object> config = (Map<String, Object>) Json.parse(configJson);
        Object port = config.get("port");
        if ("memcached".equals(port)) {
            try (Memcached probe = new Memcached(config)) {
                loop(probe, in, out);
            }
        } else if ("misp-context".equals(port)) {
            try (MispContext probe = new MispContext(config)) {
                loop(probe, in, out);
            }
        } else {
            throw new IllegalArgumentException("\"port\" must be \"memcached\" or \"misp-context\", got " + port);
        }
    }

    private interface Probe extends AutoCloseable {
        Map<String, Object> answer(Map<String, Object> op) throws InterruptedException;

        @Override
        void close();
    }

    @SuppressWarnings("unchecked")
    private static void loop(Probe probe, BufferedReader in, Writer out) throws IOException {
        answer(out, Map.of("ready", true));
        String line;
        while ((line = in.readLine()) != null) {
            if (line.isBlank()) {
                continue;
            }
            Map<String, Object> result;
            try {
                Map<String, Object> op = (Map<String, Object>) Json.parse(line);
                if (Boolean.TRUE.equals(op.get("close"))) {
                    return;
                }
                result = probe.answer(op);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            } catch (RuntimeException e) {
                result = Map.of("error", error(e));
            }
            answer(out, result);
        }
    }

    private static void answer(Writer out, Map<String, Object> result) throws IOException {
        out.write(Json.write(result));
        out.write('\n');
        out.flush();
    }

    private static Map<String, Object> error(Throwable e) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("type", e.getClass().getSimpleName());
        m.put("message", e.getMessage());
        m.put("code", ErrorCode.leading(e.getMessage()).map(ErrorCode::code).orElse(null));
        return m;
    }

    private static long number(Map<String, Object> config, String name) {
        if (!(config.get(name) instanceof Number n)) {
            throw new IllegalArgumentException("\"" + name + "\" must be a number");
        }
        return n.longValue();
    }

    private static List<String> strings(Object value, String name) {
        if (!(value instanceof List<?> list)) {
            throw new IllegalArgumentException("\"" + name + "\" must be an array of strings");
        }
        List<String> out = new ArrayList<>();
        for (Object o : list) {
            if (!(o instanceof String s)) {
                throw new IllegalArgumentException("\"" + name + "\" must be an array of strings");
            }
            out.add(s);
        }
        return out;
    }

    /** The key-value port, as MispEnrich builds it from Settings.Memcached. */
    private static final class Memcached implements Probe {
        private final KeyValuePort kv;

        Memcached(Map<String, Object> config) {
            List<HostPort> hosts = new ArrayList<>();
            for (String h : strings(config.get("hosts"), "hosts")) {
                hosts.add(HostPort.parse(h));
            }
            Settings.Memcached memcached = new Settings.Memcached(List.copyOf(hosts), number(config, "timeoutMs"), number(config, "maxValueBytes"));
            this.kv = new MemcachedMultiGet(memcached.hosts(), memcached.timeoutMs(), memcached.maxValueBytes());
        }

        @Override
        public Map<String, Object> answer(Map<String, Object> op) {
            if (!op.containsKey("get")) {
                throw new IllegalArgumentException("expected {\"get\": [...]} or {\"close\": true}");
            }
            List<String> keys = strings(op.get("get"), "get");
            Map<String, Object> out = new LinkedHashMap<>();
            try {
                out.put("values", Arrays.asList(kv.getMulti(keys)));
            } catch (IOException | RuntimeException e) {
                out.put("error", error(e));
            }
            return out;
        }

        @Override
        public void close() {
            kv.close();
        }
    }

    /** The context port, as MispEnrich builds it from Settings.Misp and Settings.Tls. */
    private static final class MispContext implements Probe {
        private final ContextPort port;
        private final List<String> warnings = new ArrayList<>();
        private final AtomicInteger requests = new AtomicInteger();

        MispContext(Map<String, Object> config) {
            String url = (String) config.get("url");
            String apiKey = (String) config.get("apiKey");
            if (url == null || apiKey == null) {
                throw new IllegalArgumentException("\"url\" and \"apiKey\" are required");
            }
            Settings.Misp misp = new Settings.Misp(URI.create(url), new Password(apiKey), number(config, "timeoutMs"),
                    number(config, "maxResponseBytes"), null, true, number(config, "contextCacheSize"), number(config, "contextCacheTtlMs"),
                    // context_failure_ttl's default.
                    15_000L);
            Settings.Tls tls = new Settings.Tls("full", List.of(), null, null, List.of(), List.of());
            SSLContext ssl = TlsContexts.forMisp(tls);
            SSLParameters sslParameters = TlsContexts.parameters(ssl, tls);
            this.port = new MispContextFetcher(null, misp, ssl, sslParameters, this::warn, requests::incrementAndGet);
        }

        private void warn(String message) {
            synchronized (warnings) {
                warnings.add(message);
            }
        }

        @Override
        public Map<String, Object> answer(Map<String, Object> op) throws InterruptedException {
            Map<String, Object> out = new LinkedHashMap<>();
            if (op.containsKey("fetch")) {
                out.put("events", port.fetch(strings(op.get("fetch"), "fetch")));
            } else if (op.get("fetchConcurrently") instanceof List<?> lists) {
                List<List<String>> idLists = new ArrayList<>();
                for (Object l : lists) {
                    idLists.add(strings(l, "fetchConcurrently"));
                }
                List<Map<String, String>> results = new ArrayList<>();
                List<Thread> threads = new ArrayList<>();
                CountDownLatch start = new CountDownLatch(1);
                for (int i = 0; i < idLists.size(); i++) {
                    results.add(null);
                    int index = i;
                    Thread t = new Thread(() -> {
                        try {
                            start.await();
                        } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                            return;
                        }
                        Map<String, String> got = port.fetch(idLists.get(index));
                        synchronized (results) {
                            results.set(index, got);
                        }
                    }, "port-probe-fetch-" + i);
                    threads.add(t);
                    t.start();
                }
                start.countDown();
                for (Thread t : threads) {
                    t.join();
                }
                synchronized (results) {
                    out.put("results", new ArrayList<>(results));
                }
            } else {
                throw new IllegalArgumentException("expected {\"fetch\": [...]}, {\"fetchConcurrently\": [[...], ...]} or {\"close\": true}");
            }
            synchronized (warnings) {
                out.put("warnings", new ArrayList<>(warnings));
                warnings.clear();
            }
            out.put("requests", requests.get());
            return out;
        }

        @Override
        public void close() {
            port.close();
        }
    }
}
