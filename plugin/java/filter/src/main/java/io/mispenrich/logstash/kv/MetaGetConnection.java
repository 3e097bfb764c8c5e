package io.mispenrich.logstash.kv;

import java.io.Closeable;
import java.io.IOException;
import java.net.StandardSocketOptions;
import java.nio.ByteBuffer;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

/**
 * One connection to one memcached server, speaking the meta protocol. A multi-get is ONE pipelined
 * round trip: every {@code mg <key> v q O<index>} is written, then {@code mn}; the server answers
 * hits only ({@code VA <size> O<index>} + data; q suppresses misses) and {@code MN} at the end.
 * Writing and reading share one non-blocking loop, so a batch of thousands of keys cannot
 * deadlock on full socket buffers, and the whole exchange has one deadline.
 */
final class MetaGetConnection implements Closeable {

    private static final byte[] MN = "mn\r\n".getBytes(StandardCharsets.US_ASCII);
    /** A meta-protocol status line is a few dozen bytes; anything longer is not memcached. */
    private static final int MAX_LINE = 4096;

    private final HostPort server;
    private final SocketChannel channel;
    private final Selector selector;
    private ByteBuffer in = ByteBuffer.allocate(64 * 1024);

    private MetaGetConnection(HostPort server, SocketChannel channel, Selector selector) {
        this.server = server;
        this.channel = channel;
        this.selector = selector;
    }

    static MetaGetConnection open(HostPort server, long timeoutMs) throws IOException {
        SocketChannel ch = SocketChannel.open();
        Selector sel = null;
        try {
            ch.configureBlocking(false);
            ch.setOption(StandardSocketOptions.TCP_NODELAY, true);
            ch.setOption(StandardSocketOptions.SO_KEEPALIVE, true);
            sel = Selector.open();
            if (!ch.connect(server.address())) {
                ch.register(sel, SelectionKey.OP_CONNECT);
                long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
                while (!ch.finishConnect()) {
                    long left = (deadline - System.nanoTime()) / 1_000_000L;
                    if (left <= 0) {
                        throw new IOException("connect timed out after " + timeoutMs + " ms");
                    }
                    sel.select(left);
                    sel.selectedKeys().clear();
                }
            }
            return new MetaGetConnection(server, ch, sel);
        } catch (IOException | RuntimeException e) {
            if (sel != null) {
                sel.close();
            }
            ch.close();
            throw e;
        }
    }

    HostPort server() {
        return server;
    }

    /**
     * values[i] for keys[i], null on a miss. Any IOException leaves the connection unusable. A
     * value over maxValueBytes is refused before a byte of it is buffered: a server (or something
     * posing as one) announcing a huge value must not take the heap.
     */
    String[] getMulti(List<String> keys, long deadlineNanos, long maxValueBytes) throws IOException {
        ByteBuffer out = encode(keys);
        String[] values = new String[keys.size()];
        in.clear();
        int parsed = 0; // bytes of `in` already consumed
        SelectionKey key = channel.keyFor(selector);
        if (key == null) {
            key = channel.register(selector, 0);
        }
        while (true) {
            key.interestOps(out.hasRemaining() ? SelectionKey.OP_READ | SelectionKey.OP_WRITE : SelectionKey.OP_READ);
            long left = (deadlineNanos - System.nanoTime()) / 1_000_000L;
            if (left <= 0) {
                throw new IOException("timed out waiting for " + server);
            }
            selector.select(left);
            selector.selectedKeys().clear();
            if (out.hasRemaining()) {
                channel.write(out);
            }
            int n = channel.read(in);
            if (n < 0) {
                throw new IOException(server + " closed the connection");
            }
            // Parse every complete response now in the buffer.
            while (true) {
                int lineEnd = findCrlf(in, parsed);
                if (lineEnd < 0) {
                    if (in.position() - parsed > MAX_LINE) {
                        throw new IOException("protocol error: a response line longer than " + MAX_LINE + " bytes");
                    }
                    break;
                }
                String line = new String(in.array(), parsed, lineEnd - parsed, StandardCharsets.US_ASCII);
                if (line.equals("MN")) {
                    if (out.hasRemaining()) {
                        throw new IOException("protocol error: MN before the request was sent");
                    }
                    return values;
                }
                if (line.startsWith("VA ")) {
                    String[] parts = line.split(" ");
                    long announced;
                    try {
                        announced = Long.parseLong(parts[1]);
                    } catch (NumberFormatException e) {
                        throw new IOException("protocol error: bad value size in \"" + truncate(line) + "\"");
                    }
                    if (announced < 0 || announced > maxValueBytes) {
                        throw new IOException(server + " announced a value of " + announced + " bytes, over memcached_max_value_bytes ("
                                + maxValueBytes + ")");
                    }
                    int size = (int) announced;
                    int dataStart = lineEnd + 2;
                    if (in.position() < dataStart + size + 2) {
                        ensureCapacity(dataStart + size + 2);
                        break; // wait for the rest of the value
                    }
                    int index = opaque(parts);
                    if (index < 0 || index >= values.length) {
                        throw new IOException("protocol error: unexpected opaque in \"" + line + "\"");
                    }
                    values[index] = new String(in.array(), dataStart, size, StandardCharsets.UTF_8);
                    parsed = dataStart + size + 2;
                } else if (line.startsWith("EN") || line.startsWith("HD")) {
                    parsed = lineEnd + 2;
                } else {
                    // SERVER_ERROR, CLIENT_ERROR, ERROR: the server did not take the request.
                    throw new IOException(server + " answered \"" + truncate(line) + "\"");
                }
            }
            if (parsed > 0 && parsed == in.position()) {
                in.clear();
                parsed = 0;
            } else if (!in.hasRemaining()) {
                compactOrGrow(parsed);
                parsed = 0;
            }
        }
    }

    private void ensureCapacity(int needed) {
        if (needed > in.capacity()) {
            ByteBuffer bigger = ByteBuffer.allocate(Math.max(needed, in.capacity() * 2));
            in.flip();
            bigger.put(in);
            in = bigger;
        }
    }

    private void compactOrGrow(int parsed) {
        if (parsed > 0) {
            byte[] a = in.array();
            int len = in.position() - parsed;
            System.arraycopy(a, parsed, a, 0, len);
            in.position(len);
        } else {
            ByteBuffer bigger = ByteBuffer.allocate(in.capacity() * 2);
            in.flip();
            bigger.put(in);
            in = bigger;
        }
    }

    private static int opaque(String[] parts) {
        for (int i = 2; i < parts.length; i++) {
            if (parts[i].startsWith("O")) {
                try {
                    return Integer.parseInt(parts[i].substring(1));
                } catch (NumberFormatException e) {
                    return -1;
                }
            }
        }
        return -1;
    }

    private static int findCrlf(ByteBuffer buf, int from) {
        byte[] a = buf.array();
        int end = buf.position() - 1;
        for (int i = from; i < end; i++) {
            if (a[i] == '\r' && a[i + 1] == '\n') {
                return i;
            }
        }
        return -1;
    }

    private static String truncate(String s) {
        return s.length() > 120 ? s.substring(0, 120) + "..." : s;
    }

    private static ByteBuffer encode(List<String> keys) {
        int size = MN.length;
        for (String k : keys) {
            size += k.length() + 24;
        }
        byte[] buf = new byte[size];
        int p = 0;
        for (int i = 0; i < keys.size(); i++) {
            p = put(buf, p, "mg ");
            p = put(buf, p, keys.get(i));
            p = put(buf, p, " v q O");
            p = put(buf, p, Integer.toString(i));
            buf[p++] = '\r';
            buf[p++] = '\n';
        }
        System.arraycopy(MN, 0, buf, p, MN.length);
        p += MN.length;
        return ByteBuffer.wrap(Arrays.copyOf(buf, p));
    }

    private static int put(byte[] buf, int p, String ascii) {
        for (int i = 0; i < ascii.length(); i++) {
            buf[p++] = (byte) ascii.charAt(i);
        }
        return p;
    }

    @Override
    public void close() {
        try {
            selector.close();
        } catch (IOException ignored) {
            // closing: nothing left to do with it
        }
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing: nothing left to do with it
        }
    }
}
