package io.mispenrich.logstash.kv;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.function.BiConsumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The meta-protocol framing of one multi-get, against a server in this JVM that answers as told:
 * opaque tokens mapping answers back to keys, values split across writes, and everything a
 * broken server may send (an error line, a huge size, a line without end, silence).
 */
class MetaGetConnectionTest {

    private ServerSocket server;

    /** Answers each request (the mg lines up to mn) with what the handler writes. */
    private HostPort serve(BiConsumer<List<String>, OutputStream> handler) throws IOException {
        server = new ServerSocket(0);
        Thread t = new Thread(() -> {
            try (Socket s = server.accept();
                 BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII))) {
                List<String> lines = new java.util.ArrayList<>();
                String line;
                while ((line = in.readLine()) != null) {
                    if (line.equals("mn")) {
                        handler.accept(List.copyOf(lines), s.getOutputStream());
                        lines.clear();
                    } else {
                        lines.add(line);
                    }
                }
            } catch (IOException ignored) {
                // the client hung up
            }
        });
        t.setDaemon(true);
        t.start();
        return HostPort.parse("127.0.0.1:" + server.getLocalPort());
    }

    @AfterEach
    void close() throws IOException {
        server.close();
    }

    private static void write(OutputStream out, String text) {
        try {
            out.write(text.getBytes(StandardCharsets.UTF_8));
            out.flush();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private static long deadline() {
        return System.nanoTime() + 5_000_000_000L;
    }

    @Test
    void mapsAnswersToKeysByTheirOpaqueToken() throws IOException {
        HostPort hp = serve((lines, out) -> {
            // Hits only, out of order, as q and O make memcached answer.
            write(out, "VA 5 O2\r\nthree\r\nVA 3 O0\r\none\r\nMN\r\n");
        });
        try (MetaGetConnection c = MetaGetConnection.open(hp, 1000)) {
            assertArrayEquals(new String[] {"one", null, "three"}, c.getMulti(List.of("k0", "k1", "k2"), deadline(), 1024));
        }
    }

    @Test
    void waitsForAValueSplitAcrossWrites() throws IOException {
        String big = "é".repeat(40_000);
        HostPort hp = serve((lines, out) -> {
            byte[] value = big.getBytes(StandardCharsets.UTF_8);
            write(out, "VA " + value.length + " O0\r\n");
            write(out, big.substring(0, 1000));
            write(out, big.substring(1000) + "\r\nMN\r\n");
        });
        try (MetaGetConnection c = MetaGetConnection.open(hp, 1000)) {
            assertArrayEquals(new String[] {big}, c.getMulti(List.of("k"), deadline(), 1 << 20));
        }
    }

    @Test
    void refusesAValueAnnouncedOverTheBound() throws IOException {
        HostPort hp = serve((lines, out) -> write(out, "VA 1500000000 O0\r\n"));
        try (MetaGetConnection c = MetaGetConnection.open(hp, 1000)) {
            IOException e = assertThrows(IOException.class, () -> c.getMulti(List.of("k"), deadline(), 1 << 20));
            assertTrue(e.getMessage().contains("over memcached_max_value_bytes"), e.getMessage());
        }
    }

    @Test
    void refusesErrorLinesEndlessLinesAndUnknownTokens() throws IOException {
        for (String answer : List.of("SERVER_ERROR out of memory\r\n", "x".repeat(10_000), "VA 1 O7\r\nx\r\nMN\r\n", "VA nope O0\r\n")) {
            HostPort hp = serve((lines, out) -> write(out, answer));
            try (MetaGetConnection c = MetaGetConnection.open(hp, 1000)) {
                assertThrows(IOException.class, () -> c.getMulti(List.of("k"), deadline(), 1 << 20), answer);
            }
            server.close();
        }
    }

    @Test
    void givesUpAtTheDeadlineOnASilentServer() throws IOException {
        HostPort hp = serve((lines, out) -> { });
        try (MetaGetConnection c = MetaGetConnection.open(hp, 1000)) {
            IOException e = assertThrows(IOException.class, () -> c.getMulti(List.of("k"), System.nanoTime() + 300_000_000L, 1024));
            assertTrue(e.getMessage().contains("timed out"), e.getMessage());
        }
    }

    @Test
    void sendsOneMetaGetPerKeyWithItsIndexThenMn() throws IOException {
        List<List<String>> seen = new java.util.concurrent.CopyOnWriteArrayList<>();
        HostPort hp = serve((lines, out) -> {
            seen.add(lines);
            write(out, "MN\r\n");
        });
        try (MetaGetConnection c = MetaGetConnection.open(hp, 1000)) {
            c.getMulti(List.of("me1:ip:192.0.2.1", "me1:meta"), deadline(), 1024);
        }
        assertArrayEquals(new Object[] {"mg me1:ip:192.0.2.1 v q O0", "mg me1:meta v q O1"}, seen.get(0).toArray());
    }
}
