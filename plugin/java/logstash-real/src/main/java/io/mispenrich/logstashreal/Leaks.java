package io.mispenrich.logstashreal;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What a plugin left behind after close(): threads started since a baseline that are still alive,
 * and sockets opened since then that are still open (from /proc, Linux).
 */
final class Leaks {

    private final Set<Thread> threadsBefore;
    private final Set<String> socketsBefore;

    private Leaks(Set<Thread> threads, Set<String> sockets) {
        this.threadsBefore = threads;
        this.socketsBefore = sockets;
    }

    /** Takes the baseline; JRuby and the JDK's lazily started helpers should already be running. */
    static Leaks baseline() throws IOException {
        // The JDK opens one socketpair per JVM the first time NIO opens a socket: in the baseline.
        java.nio.channels.SocketChannel.open().close();
        return new Leaks(new HashSet<>(Thread.getAllStackTraces().keySet()), openSockets());
    }

    /** Threads still alive, waiting up to 5 s for those told to stop. */
    List<String> threads() {
        List<String> alive = new ArrayList<>();
        for (int attempt = 0; attempt < 50; attempt++) {
            alive.clear();
            for (Thread t : Thread.getAllStackTraces().keySet()) {
                if (!threadsBefore.contains(t) && t.isAlive() && t != Thread.currentThread() && !isJvmThread(t)) {
                    alive.add(t.getName());
                }
            }
            if (alive.isEmpty()) {
                break;
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return alive;
    }

    List<String> sockets() {
        Set<String> now = openSockets();
        now.removeAll(socketsBefore);
        return new ArrayList<>(now);
    }

    /** Threads the JDK (or JRuby) starts lazily and owns, never the plugin's. */
    private static boolean isJvmThread(Thread t) {
        String n = t.getName();
        return n.startsWith("ForkJoinPool.commonPool-worker-") || n.equals("Common-Cleaner") || n.equals("process reaper")
                || n.equals("Attach Listener") || n.equals("Signal Dispatcher") || n.equals("Notification Thread")
                || n.startsWith("JFR ") || n.equals("DestroyJavaVM") || n.startsWith("Ruby-") || n.startsWith("Log4j2-");
    }

    private static Set<String> openSockets() {
        Set<String> out = new HashSet<>();
        Path fds = Path.of("/proc/self/fd");
        if (!Files.isDirectory(fds)) {
            return out;
        }
        try (var stream = Files.list(fds)) {
            stream.forEach(p -> {
                try {
                    String link = Files.readSymbolicLink(p).toString();
                    if (link.startsWith("socket:[")) {
                        out.add(link);
                    }
                } catch (IOException ignored) {
                    // the descriptor closed while listing
                }
            });
        } catch (IOException e) {
            return out;
        }
        return out;
    }
}
