package io.mispenrich.logstash.graaljs;

import io.mispenrich.logstash.log.ErrorCode;
import java.io.ByteArrayOutputStream;
import java.io.Closeable;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.io.Reader;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Function;

import org.graalvm.polyglot.Context;
import org.graalvm.polyglot.Engine;
import org.graalvm.polyglot.PolyglotException;
import org.graalvm.polyglot.Source;
import org.graalvm.polyglot.Value;

/**
 * Runs the core bundle in GraalJS: one shared Engine (so the bundle is parsed once and compiled
 * code is shared), the bundle as one cached Source from the class path, and a pool of Contexts.
 * A Context is single-threaded, so each worker thread borrows one for a whole batch and returns
 * it in finally; each Context evaluates the bundle once, when it is created.
 *
 * <p>The sandbox stays at GraalJS's defaults: no host class lookup, no host I/O, no threads, no
 * processes, no environment. Only Strings cross the boundary, through the {@link CoreModule}
 * and {@link Enricher} mirrors; every PolyglotException is turned into a
 * {@link CoreException} here.
 */
public final class CoreRuntime implements Closeable {

    public static final String BUNDLE_RESOURCE = "/io/mispenrich/logstash/graaljs/misp-enrich-core.js";
    private static final String GLOBAL = "MispEnrichCore";

    private final Engine engine;
    private final Source bundle;
    private final String optionsJson;
    private final ConcurrentLinkedDeque<Session> idle = new ConcurrentLinkedDeque<>();
    private final List<Session> all = new ArrayList<>();
    private final AtomicBoolean closed = new AtomicBoolean();

    /** A Context with the bundle evaluated and the enricher created: one worker's, one batch at a time. */
    public static final class Session {
        private final Context context;
        private final CoreModule core;
        private final Enricher enricher;
        private boolean broken;

        private Session(Context context, CoreModule core, Enricher enricher) {
            this.context = context;
            this.core = core;
            this.enricher = enricher;
        }

        public CoreModule core() {
            return core;
        }

        /** Marks this Context unusable: it is closed instead of returned to the pool. */
        public void retire() {
            broken = true;
        }

        public Enricher enricher() {
            return enricher;
        }

        /**
         * Runs one call into the core, translating polyglot failures. A failure that may have left
         * the Context unusable (internal error, resource exhaustion, cancellation) retires it.
         */
        public <T> T call(String what, Function<Session, T> body) {
            try {
                return body.apply(this);
            } catch (PolyglotException e) {
                if (e.isInternalError() || e.isResourceExhausted() || e.isCancelled() || e.isExit()) {
                    broken = true;
                }
                ErrorCode code = codeOf(e);
                // A configuration error is the core's message for the user, as it wrote it.
                throw new CoreException(code, code == ErrorCode.CONFIG ? messageOf(e) : what + ": " + messageOf(e), null);
            } catch (ClassCastException | NullPointerException | UnsupportedOperationException e) {
                // The bundle does not have the shape the mirrors expect.
                throw new CoreException(ErrorCode.CORE_CONTRACT, what + ": " + e.getMessage(), null);
            }
        }
    }

    /**
     * @param optionsJson the enricher options; a MISP_ENRICH_CONFIG error from the core is thrown
     *                    from here (as a CoreException) while creating the first Context
     * @param log         receives anything the bundle prints (it should print nothing)
     */
    public CoreRuntime(String optionsJson, Consumer<String> log) {
        this.optionsJson = optionsJson;
        this.bundle = loadBundle();
        OutputStream sink = new LineSink(log);
        this.engine = Engine.newBuilder("js")
                // The interpreter-only warning goes to stderr by default; the plugin logs which
                // runtime it got through Logstash's logger instead (see runtimeName()).
                .option("engine.WarnInterpreterOnly", "false")
                .out(sink)
                .err(sink)
                .build();
        try {
            release(borrow());
        } catch (RuntimeException e) {
            close();
            throw e;
        }
    }

    private static Source loadBundle() {
        URL url = CoreRuntime.class.getResource(BUNDLE_RESOURCE);
        if (url == null) {
            throw new CoreException(ErrorCode.CORE_MISSING, "the core bundle " + BUNDLE_RESOURCE + " is not in the plugin jar", null);
        }
        try (InputStream in = url.openStream(); Reader reader = new InputStreamReader(in, StandardCharsets.UTF_8)) {
            return Source.newBuilder("js", reader, "misp-enrich-core.js").cached(true).build();
        } catch (IOException e) {
            throw new CoreException(ErrorCode.CORE_MISSING, "cannot read the core bundle: " + e.getMessage(), e);
        }
    }

    /** "Interpreted" when GraalJS has no optimizing compiler on this JVM. */
    public String runtimeName() {
        return engine.getImplementationName();
    }

    public Session borrow() {
        if (closed.get()) {
            throw new CoreException(ErrorCode.CLOSED, "the filter is closed", null);
        }
        Session s = idle.pollFirst();
        return s != null ? s : create();
    }

    public void release(Session s) {
        if (s.broken || closed.get()) {
            discard(s);
            return;
        }
        idle.addFirst(s);
        if (closed.get() && idle.remove(s)) {
            discard(s);
        }
    }

    /**
     * The sandbox every Context of the pool gets: GraalJS's defaults (no host class lookup, no
     * host I/O, no threads, no processes, no environment), nothing allowed on top. Public so the
     * harness's sandbox probe checks this very builder rather than a copy of it.
     */
    public static Context.Builder sandboxedContext() {
        return Context.newBuilder("js");
    }

    private Context newContext() {
        return sandboxedContext().engine(engine).build();
    }

    private Session create() {
        Context context = newContext();
        try {
            context.eval(bundle);
            Value global = context.getBindings("js").getMember(GLOBAL);
            if (global == null || global.isNull()) {
                throw new CoreException(ErrorCode.CORE_CONTRACT, "the bundle defines no global " + GLOBAL, null);
            }
            CoreModule core = global.as(CoreModule.class);
            Session probe = new Session(context, core, null);
            Enricher enricher = probe.call("createEnricher", s -> s.core.createEnricher(optionsJson));
            Session session = new Session(context, core, enricher);
            synchronized (all) {
                all.add(session);
            }
            return session;
        } catch (PolyglotException e) {
            context.close(true);
            throw new CoreException(codeOf(e), "loading the core: " + messageOf(e), null);
        } catch (RuntimeException e) {
            context.close(true);
            throw e;
        }
    }

    private void discard(Session s) {
        synchronized (all) {
            all.remove(s);
        }
        try {
            s.context.close(true);
        } catch (RuntimeException ignored) {
            // already closed or cancelled: nothing left to release
        }
    }

    /** Closes every Context (borrowed ones are cancelled) and the Engine. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        List<Session> sessions;
        synchronized (all) {
            sessions = new ArrayList<>(all);
            all.clear();
        }
        idle.clear();
        for (Session s : sessions) {
            try {
                s.context.close(true);
            } catch (RuntimeException ignored) {
                // cancelled mid-call by another thread: closed all the same
            }
        }
        engine.close(true);
    }

    /** The core reports option errors as "MISP_ENRICH_CONFIG: ..."; keep its code when it gave one. */
    static ErrorCode codeOf(PolyglotException e) {
        return ErrorCode.leading(withoutErrorName(e.getMessage()))
                .orElse(e.isGuestException() ? ErrorCode.CORE_ERROR : ErrorCode.CORE_RUNTIME);
    }

    /** GraalJS prefixes a guest error's message with its name ("CoreError: ..."). */
    private static String withoutErrorName(String m) {
        if (m == null) {
            return null;
        }
        int i = m.indexOf(": " + ErrorCode.PREFIX);
        return i > 0 && m.substring(0, i).matches("[A-Za-z]*Error") ? m.substring(i + 2) : m;
    }

    static String messageOf(PolyglotException e) {
        String m = e.getMessage() == null ? e.getClass().getSimpleName() : withoutErrorName(e.getMessage());
        String code = codeOf(e).code();
        return m.startsWith(code + ":") ? m.substring(code.length() + 1).strip() : m;
    }

    /** Forwards whatever the guest prints, line by line, to the plugin's logger. */
    private static final class LineSink extends OutputStream {
        private final Consumer<String> log;
        private final ByteArrayOutputStream line = new ByteArrayOutputStream();

        LineSink(Consumer<String> log) {
            this.log = log;
        }

        @Override
        public synchronized void write(int b) {
            if (b == '\n') {
                flushLine();
            } else if (line.size() < 8192) {
                line.write(b);
            }
        }

        private void flushLine() {
            if (line.size() > 0) {
                log.accept(line.toString(StandardCharsets.UTF_8));
                line.reset();
            }
        }

        @Override
        public synchronized void flush() {
            flushLine();
        }
    }
}
