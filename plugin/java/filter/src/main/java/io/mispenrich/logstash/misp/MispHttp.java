package io.mispenrich.logstash.misp;

import java.net.InetSocketAddress;
import java.net.ProxySelector;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;

import io.mispenrich.logstash.config.Settings;

/**
 * How the filter reaches MISP, the same way for every exchange it has with it (the context
 * fetches and the sightings): one base URL, one kind of HTTP client, daemon threads.
 */
public final class MispHttp {

    private MispHttp() {
    }

    /** misp_url without its trailing slashes: the base every API path is appended to. */
    public static String baseUrl(URI mispUrl) {
        String base = mispUrl.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return base;
    }

    /**
     * A client for MISP on this executor: misp_timeout to connect, no redirects (one could carry
     * the API key elsewhere), the filter's TLS settings and its proxy.
     */
    public static HttpClient client(Settings.Misp misp, SSLContext ssl, SSLParameters sslParameters, Executor executor) {
        HttpClient.Builder builder = HttpClient.newBuilder()
                .connectTimeout(Duration.ofMillis(misp.timeoutMs()))
                .followRedirects(HttpClient.Redirect.NEVER)
                .executor(executor);
        if (ssl != null) {
            builder.sslContext(ssl);
        }
        if (sslParameters != null) {
            builder.sslParameters(sslParameters);
        }
        if (misp.proxy() != null) {
            // An https MISP is reached through CONNECT, so TLS stays end to end; an http one in
            // absolute form, as HTTP proxies expect.
            int port = misp.proxy().getPort() < 0 ? 80 : misp.proxy().getPort();
            builder.proxy(ProxySelector.of(InetSocketAddress.createUnresolved(misp.proxy().getHost(), port)));
        }
        return builder.build();
    }

    /** Daemon threads named name-1, name-2, ...: none of them keeps Logstash from exiting. */
    public static ThreadFactory daemonThreads(String name) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, name + "-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
