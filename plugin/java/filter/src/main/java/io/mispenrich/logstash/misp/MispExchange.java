package io.mispenrich.logstash.misp;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.HttpRetryException;
import java.net.HttpURLConnection;
import java.net.InetSocketAddress;
import java.net.Proxy;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URL;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import javax.net.ssl.HttpsURLConnection;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.SSLSocketFactory;

import io.mispenrich.logstash.config.Settings;

/**
 * One POST to MISP and its answer, the same way for every exchange the filter has with it (the
 * context fetches and the sightings): the API key, JSON both ways, the filter's TLS settings and
 * proxy, no redirects (one could carry the API key elsewhere), and bounds on everything.
 *
 * <p>Built on {@link HttpURLConnection}, from {@code java.base}, on purpose: under Logstash's
 * {@code pipeline.plugin_classloaders: true} the plugin's class loader has the bootstrap loader as
 * parent, which sees {@code java.base} but not the JDK's platform modules, so a plugin that names
 * {@code java.net.http.HttpClient} fails to start there with NoClassDefFoundError
 * (spec/plugin-java/jdeps.spec.ts keeps the shell on {@code java.base}).
 *
 * <p>The bounds:
 * <ul>
 * <li>misp_timeout for the whole exchange: a watchdog disconnects the connection at the deadline
 * (a server that sends headers and then nothing, or trickles bytes, is cut off), and each step
 * checks the deadline too;</li>
 * <li>misp_max_response_bytes for the body: a longer one (announced or sent) fails the exchange;</li>
 * <li>the body is sent in fixed-length streaming mode, so the JDK never re-sends a POST by itself
 * (it may retry a buffered one on a dropped connection);</li>
 * <li>every connection is closed at the end of its exchange ("Connection: close", then
 * disconnect()): the JDK's JVM-wide keep-alive cache never holds MISP's sockets past close(), and a
 * cut-off can never hit a connection another exchange reuses.</li>
 * </ul>
 */
public final class MispExchange implements AutoCloseable {

    /** The exchange ran past misp_timeout and was cut off. */
    public static final class CutOff extends IOException {
        private static final long serialVersionUID = 1L;

        CutOff() {
            super("cut off at misp_timeout");
        }
    }

    /** MISP's answer: its status, and its body when it was asked for (else null). */
    public record Response(int status, String body) {
    }

    private final String base;
    private final String apiKey;
    private final long timeoutMs;
    private final long maxResponseBytes;
    /** The proxy option, or null: then the JVM's default proxy selector decides, as for any Java HTTP client. */
    private final Proxy proxy;
    private final SSLSocketFactory sslSockets;
    private final ScheduledExecutorService watchdog;
    /** The connections of the exchanges in flight, disconnected by close(). */
    private final Set<HttpURLConnection> inFlight = ConcurrentHashMap.newKeySet();
    private final AtomicBoolean closed = new AtomicBoolean();

    /**
     * @param ssl           the TLS context for an https misp_url (null: the JVM's default)
     * @param sslParameters the protocols and cipher suites to offer (null: the JDK's defaults)
     * @param threadName    the watchdog thread's name (a daemon)
     */
    public MispExchange(Settings.Misp misp, SSLContext ssl, SSLParameters sslParameters, String threadName) {
        this.base = MispHttp.baseUrl(misp.url());
        this.apiKey = misp.apiKey().getPassword();
        this.timeoutMs = misp.timeoutMs();
        this.maxResponseBytes = misp.maxResponseBytes();
        if (misp.proxy() != null) {
            // An https MISP is reached through CONNECT, so TLS stays end to end; an http one in
            // absolute form, as HTTP proxies expect.
            int port = misp.proxy().getPort() < 0 ? 80 : misp.proxy().getPort();
            this.proxy = new Proxy(Proxy.Type.HTTP, InetSocketAddress.createUnresolved(misp.proxy().getHost(), port));
        } else {
            this.proxy = null;
        }
        SSLContext context = ssl;
        if (context == null) {
            try {
                context = SSLContext.getDefault();
            } catch (java.security.NoSuchAlgorithmException e) {
                throw new IllegalStateException("this JVM has no default TLS context", e);
            }
        }
        this.sslSockets = new Sockets(context.getSocketFactory(), sslParameters);
        this.watchdog = Executors.newSingleThreadScheduledExecutor(MispHttp.daemonThreads(threadName));
    }

    /** The URL of an API path (e.g. "/events/restSearch") under misp_url; IllegalArgumentException if it cannot be one. */
    public URL url(String path) {
        try {
            return URI.create(base + path).toURL();
        } catch (java.net.MalformedURLException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /**
     * POSTs jsonBody to url and returns MISP's status, and the body of a 200 answer when readBody.
     * Throws {@link CutOff} past misp_timeout, an IOException (its message naming
     * misp_max_response_bytes) for a body over the bound, or the IOException of a failed connection.
     */
    public Response post(URL url, String jsonBody, boolean readBody) throws IOException {
        byte[] bytes = jsonBody.getBytes(StandardCharsets.UTF_8);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        HttpURLConnection c = (HttpURLConnection) (proxy == null ? url.openConnection() : url.openConnection(proxy));
        if (c instanceof HttpsURLConnection https) {
            https.setSSLSocketFactory(sslSockets);
        }
        AtomicBoolean cut = new AtomicBoolean();
        inFlight.add(c);
        ScheduledFuture<?> timer = null;
        try {
            if (closed.get()) {
                throw new IOException("the filter is closing");
            }
            timer = watchdog.schedule(() -> {
                cut.set(true);
                c.disconnect();
            }, timeoutMs, TimeUnit.MILLISECONDS);
            int millis = (int) Math.min(Integer.MAX_VALUE, Math.max(1, timeoutMs));
            c.setConnectTimeout(millis);
            c.setReadTimeout(millis);
            c.setInstanceFollowRedirects(false);
            c.setUseCaches(false);
            c.setDoOutput(true);
            c.setRequestMethod("POST");
            c.setFixedLengthStreamingMode(bytes.length);
            c.setRequestProperty("Authorization", apiKey);
            c.setRequestProperty("Accept", "application/json");
            c.setRequestProperty("Content-Type", "application/json");
            // No keep-alive: MISP closes the connection after its answer, so the JDK's JVM-wide
            // keep-alive cache (and its timer thread) never holds one of the filter's sockets.
            c.setRequestProperty("Connection", "close");
            try (OutputStream out = c.getOutputStream()) {
                out.write(bytes);
            }
            check(cut, deadline);
            int status = status(c);
            check(cut, deadline);
            String body = readBody && status == 200 ? body(c, cut, deadline) : null;
            return new Response(status, body);
        } catch (SocketTimeoutException e) {
            throw new CutOff();
        } catch (IOException | RuntimeException e) {
            // A disconnect from the watchdog surfaces as whatever the interrupted step threw.
            if (cut.get()) {
                throw new CutOff();
            }
            throw e;
        } finally {
            if (timer != null) {
                timer.cancel(false);
            }
            c.disconnect();
            inFlight.remove(c);
        }
    }

    /** The status; a 401 or 407 in streaming mode comes as an HttpRetryException from the JDK. */
    private static int status(HttpURLConnection c) throws IOException {
        try {
            return c.getResponseCode();
        } catch (HttpRetryException e) {
            return e.responseCode();
        }
    }

    private String body(HttpURLConnection c, AtomicBoolean cut, long deadline) throws IOException {
        long announced = c.getContentLengthLong();
        if (announced > maxResponseBytes) {
            throw tooLarge();
        }
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(announced > 0 ? (int) announced : 8192);
        byte[] chunk = new byte[16384];
        try (InputStream in = c.getInputStream()) {
            for (int n; (n = in.read(chunk)) >= 0; ) {
                if (bytes.size() + (long) n > maxResponseBytes) {
                    throw tooLarge();
                }
                bytes.write(chunk, 0, n);
                check(cut, deadline);
            }
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }

    private IOException tooLarge() {
        return new IOException("the answer is larger than misp_max_response_bytes (" + maxResponseBytes + ")");
    }

    private static void check(AtomicBoolean cut, long deadline) throws CutOff {
        if (cut.get() || System.nanoTime() - deadline > 0) {
            throw new CutOff();
        }
    }

    /** Disconnects the exchanges in flight and stops the watchdog. Idempotent. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        for (HttpURLConnection c : inFlight) {
            c.disconnect();
        }
        MispHttp.stopNow(watchdog);
    }

    /**
     * The TLS sockets of every MISP connection: the filter's context, its protocols and cipher
     * suites, and the host name checked in the TLS layer (endpoint identification "HTTPS"), so
     * no JVM-wide default hostname verifier another plugin may install has a say. The check is the
     * trust manager's: the JDK's checks chain and name; ssl_verification_mode => none's
     * (TlsContexts) checks neither.
     */
    private static final class Sockets extends SSLSocketFactory {
        private final SSLSocketFactory delegate;
        private final SSLParameters parameters;

        Sockets(SSLSocketFactory delegate, SSLParameters parameters) {
            this.delegate = delegate;
            this.parameters = parameters;
        }

        private Socket configure(Socket s) {
            if (s instanceof SSLSocket ssl) {
                if (parameters != null) {
                    if (parameters.getProtocols() != null) {
                        ssl.setEnabledProtocols(parameters.getProtocols());
                    }
                    if (parameters.getCipherSuites() != null) {
                        ssl.setEnabledCipherSuites(parameters.getCipherSuites());
                    }
                }
                SSLParameters p = ssl.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                ssl.setSSLParameters(p);
            }
            return s;
        }

        @Override
        public String[] getDefaultCipherSuites() {
            return parameters != null && parameters.getCipherSuites() != null ? parameters.getCipherSuites() : delegate.getDefaultCipherSuites();
        }

        @Override
        public String[] getSupportedCipherSuites() {
            return delegate.getSupportedCipherSuites();
        }

        @Override
        public Socket createSocket() throws IOException {
            return configure(delegate.createSocket());
        }

        @Override
        public Socket createSocket(Socket s, String host, int port, boolean autoClose) throws IOException {
            return configure(delegate.createSocket(s, host, port, autoClose));
        }

        @Override
        public Socket createSocket(String host, int port) throws IOException {
            return configure(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(String host, int port, java.net.InetAddress localHost, int localPort) throws IOException {
            return configure(delegate.createSocket(host, port, localHost, localPort));
        }

        @Override
        public Socket createSocket(java.net.InetAddress host, int port) throws IOException {
            return configure(delegate.createSocket(host, port));
        }

        @Override
        public Socket createSocket(java.net.InetAddress address, int port, java.net.InetAddress localAddress, int localPort) throws IOException {
            return configure(delegate.createSocket(address, port, localAddress, localPort));
        }
    }
}
