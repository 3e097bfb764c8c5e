package io.mispenrich.logstash.ports;

import java.io.IOException;
import java.util.List;

/** The key-value store the agent loads (memcached): every key of a batch in one round trip. */
public interface KeyValuePort extends AutoCloseable {

    /**
     * values[i] for keys.get(i), null on a miss. Keys are legal memcached keys (the core makes them).
     *
     * @throws IOException when no server answered; the message says why, never a secret
     */
    String[] getMulti(List<String> keys) throws IOException;

    @Override
    void close();
}
