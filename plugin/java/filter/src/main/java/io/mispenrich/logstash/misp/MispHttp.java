package io.mispenrich.logstash.misp;

import java.net.URI;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What every exchange with MISP shares (the context fetches and the sightings): one base URL and
 * daemon threads. The exchange itself is {@link MispExchange}.
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
