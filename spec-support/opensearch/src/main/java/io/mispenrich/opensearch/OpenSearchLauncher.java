package io.mispenrich.opensearch;

import static org.codelibs.opensearch.runner.OpenSearchRunner.newConfigs;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicBoolean;

import org.codelibs.opensearch.runner.OpenSearchRunner;
import org.opensearch.Version;

/**
 * Starts a single-node OpenSearch in this JVM for the specs and prints one line when it can take
 * requests:
 *
 * <pre>opensearch 3.8.0 ready on http://127.0.0.1:PORT</pre>
 *
 * Usage: {@code java -jar misp-enrich-opensearch.jar --base-path DIR [--http-port N]}. The node's
 * data lives under DIR and is deleted at exit. The process stops when its standard input closes
 * (the spec that started it ended, however it ended) or on SIGTERM, so no node outlives a run.
 * Exit codes: 0 stopped, 2 bad arguments, 3 the node did not start.
 */
public final class OpenSearchLauncher {
    private OpenSearchLauncher() {
    }

    public static void main(String[] args) throws Exception {
        Path basePath = null;
        int httpPort = 0;
        for (int i = 0; i < args.length; i++) {
            String arg = args[i];
            String value = i + 1 < args.length ? args[i + 1] : null;
            switch (arg) {
                case "--base-path" -> {
                    basePath = Path.of(require(arg, value));
                    i++;
                }
                case "--http-port" -> {
                    httpPort = parsePort(require(arg, value));
                    i++;
                }
                default -> usage("unknown argument: " + arg);
            }
        }
        if (basePath == null) usage("--base-path is required");
        Files.createDirectories(basePath);
        // Chosen here rather than left to the runner, which scans up from 9201 and would race with
        // another spec run on the same machine.
        int http = httpPort > 0 ? httpPort : freePort();
        int transport = freePort();

        OpenSearchRunner runner = new OpenSearchRunner();
        AtomicBoolean stopped = new AtomicBoolean(false);
        Runnable stop = () -> {
            if (!stopped.compareAndSet(false, true)) return;
            try {
                runner.close();
            } catch (IOException | RuntimeException e) {
                System.err.println("opensearch launcher: close failed: " + e);
            }
            try {
                runner.clean();
            } catch (RuntimeException e) {
                System.err.println("opensearch launcher: clean failed: " + e);
            }
        };
        Runtime.getRuntime().addShutdownHook(new Thread(stop, "opensearch-launcher-shutdown"));

        try {
            runner.onBuild((number, settings) -> {
                settings.put("http.port", String.valueOf(http));
                settings.put("transport.port", String.valueOf(transport));
                settings.put("network.host", "127.0.0.1");
                settings.put("discovery.type", "single-node");
                // A nearly full disk must not turn the specs' indices read-only.
                settings.put("cluster.routing.allocation.disk.threshold_enabled", "false");
            }).build(newConfigs().basePath(basePath.toAbsolutePath().toString()).numOfNode(1).clusterName("misp-enrich-specs").useLogger());
            runner.ensureYellow();
        } catch (RuntimeException e) {
            System.err.println("opensearch launcher: the node did not start: " + e);
            e.printStackTrace(System.err);
            stop.run();
            System.exit(3);
        }

        System.out.println("opensearch " + Version.CURRENT + " ready on http://127.0.0.1:" + http);
        System.out.flush();

        // Block until the parent closes our standard input.
        InputStream in = System.in;
        byte[] buf = new byte[256];
        while (in.read(buf) >= 0) {
            // ignore anything written: only the end of the stream matters
        }
        stop.run();
        System.exit(0);
    }

    private static String require(String name, String value) {
        if (value == null) usage(name + " needs a value");
        return value;
    }

    private static int parsePort(String text) {
        try {
            int port = Integer.parseInt(text);
            if (port < 0 || port > 65535) usage("--http-port must be 0..65535");
            return port;
        } catch (NumberFormatException e) {
            usage("--http-port must be a number");
            return 0;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void usage(String message) {
        System.err.println("opensearch launcher: " + message);
        System.err.println("usage: java -jar misp-enrich-opensearch.jar --base-path DIR [--http-port N]");
        System.exit(2);
    }
}
