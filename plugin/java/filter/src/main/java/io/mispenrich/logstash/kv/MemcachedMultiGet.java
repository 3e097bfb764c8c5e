package io.mispenrich.logstash.kv;

import io.mispenrich.logstash.log.ErrorCode;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import io.mispenrich.logstash.ports.KeyValuePort;

/**
 * The key-value port: a whole batch's keys in one pipelined round trip to the first memcached in
 * {@code memcached_hosts} that answers, the next one on failure.
 *
 * <p>Hand-written on purpose. The agent writes every key to every host (replicas, not shards), so
 * the filter needs failover in a fixed order. The maintained Java clients (spymemcached,
 * xmemcached, Folsom) shard keys across servers by consistent hashing and run their own I/O
 * threads and reconnect loops; that is the wrong semantics here and more threads to leak inside a
 * Logstash worker. The meta protocol subset needed ({@code mg ... v q O}, {@code mn}) is small and
 * tested against a real memcached.
 *
 * <p>Connections are pooled per host (one per concurrently active worker at most); no thread is
 * created. A host that failed is skipped for {@link #RETRY_AFTER_MS} so each batch does not pay its
 * connect timeout again, unless every host is down, in which case all are tried in order.
 */
public final class MemcachedMultiGet implements KeyValuePort {

    static final long RETRY_AFTER_MS = 2_000;
    private static final int MAX_IDLE_PER_HOST = 16;

    private final List<Host> hosts;
    private final long timeoutMs;
    private final long maxValueBytes;
    private final AtomicBoolean closed = new AtomicBoolean();

    /** @param maxValueBytes the largest value taken from a server (memcached_max_value_bytes) */
    public MemcachedMultiGet(List<HostPort> servers, long timeoutMs, long maxValueBytes) {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no memcached host");
        }
        List<Host> list = new ArrayList<>();
        for (HostPort s : servers) {
            list.add(new Host(s));
        }
        this.hosts = List.copyOf(list);
        this.timeoutMs = timeoutMs;
        this.maxValueBytes = maxValueBytes;
    }

    /**
     * values[i] for keys[i] (null on a miss). Keys must already be legal memcached keys.
     *
     * @throws IOException when no host answered; the message names each host and its failure
     */
    @Override
    public String[] getMulti(List<String> keys) throws IOException {
        if (closed.get()) {
            throw new IOException("closed");
        }
        for (String k : keys) {
            if (!isLegalKey(k)) {
                throw new IllegalArgumentException(ErrorCode.KEY.say("refusing an illegal memcached key"));
            }
        }
        long now = System.currentTimeMillis();
        List<Host> order = new ArrayList<>();
        for (Host h : hosts) {
            if (h.downUntil.get() <= now) {
                order.add(h);
            }
        }
        if (order.isEmpty()) {
            order.addAll(hosts);
        }
        StringBuilder failures = new StringBuilder();
        for (Host h : order) {
            try {
                return h.getMulti(keys, timeoutMs);
            } catch (IOException | RuntimeException e) {
                h.downUntil.set(System.currentTimeMillis() + RETRY_AFTER_MS);
                if (failures.length() > 0) {
                    failures.append("; ");
                }
                failures.append(h.server).append(": ").append(e.getMessage());
            }
        }
        throw new IOException("no memcached host answered (" + failures + ")");
    }

    /** The same rule as the core's isLegalKey: 1..250 bytes of printable ASCII, no space. */
    public static boolean isLegalKey(String key) {
        if (key == null || key.isEmpty() || key.length() > 250) {
            return false;
        }
        for (int i = 0; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < 0x21 || c > 0x7e) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            for (Host h : hosts) {
                h.closeIdle();
            }
        }
    }

    private final class Host {
        final HostPort server;
        final ConcurrentLinkedDeque<MetaGetConnection> idle = new ConcurrentLinkedDeque<>();
        final AtomicLong downUntil = new AtomicLong();

        Host(HostPort server) {
            this.server = server;
        }

        String[] getMulti(List<String> keys, long timeoutMs) throws IOException {
            MetaGetConnection conn = idle.pollFirst();
            boolean fresh = conn == null;
            if (fresh) {
                conn = MetaGetConnection.open(server, timeoutMs);
            }
            long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
            String[] values;
            try {
                values = conn.getMulti(keys, deadline, maxValueBytes);
            } catch (IOException | RuntimeException e) {
                conn.close();
                if (fresh) {
                    throw e;
                }
                // A pooled connection may have been closed by the server while idle: one retry
                // on a new connection before calling the host down.
                conn = MetaGetConnection.open(server, timeoutMs);
                try {
                    values = conn.getMulti(keys, System.nanoTime() + timeoutMs * 1_000_000L, maxValueBytes);
                } catch (IOException | RuntimeException e2) {
                    conn.close();
                    throw e2;
                }
            }
            release(conn);
            return values;
        }

        void release(MetaGetConnection conn) {
            if (closed.get() || idle.size() >= MAX_IDLE_PER_HOST) {
                conn.close();
                return;
            }
            idle.addFirst(conn);
            // close() may have run between the check and the add.
            if (closed.get()) {
                closeIdle();
            }
        }

        void closeIdle() {
            MetaGetConnection c;
            while ((c = idle.pollFirst()) != null) {
                c.close();
            }
        }
    }
}
