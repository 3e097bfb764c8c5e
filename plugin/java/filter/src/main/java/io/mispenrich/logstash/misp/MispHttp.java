package io.mispenrich.logstash.misp;

import java.net.URI;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
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

    /**
     * Stops the threads of a closing exchange: interrupts what runs and waits a bounded 5 s, so
     * a pipeline's close never hangs on MISP (an interrupt of the closing thread is kept).
     */
    public static void stopNow(ExecutorService threads) {
        threads.shutdownNow();
        try {
            threads.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
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
