package io.mispenrich.runner;

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
public final class Leaks {

    private final Set<Thread> threadsBefore;
    private final Set<String> socketsBefore;

    private Leaks(Set<Thread> threads, Set<String> sockets) {
        this.threadsBefore = threads;
        this.socketsBefore = sockets;
    }

    /** Takes the baseline, before the plugin is loaded. */
    public static Leaks baseline() throws IOException {
        // The JDK opens one socketpair per JVM the first time NIO opens a socket: in the baseline.
        java.nio.channels.SocketChannel.open().close();
        return new Leaks(new HashSet<>(Thread.getAllStackTraces().keySet()), openSockets());
    }

    /** Names of the threads still alive, waiting up to 5 s for those told to stop. */
    public List<String> threads() {
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
                Thread.sleep(100); // threads told to stop may take a moment to exit
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        return alive;
    }

    /** Each socket opened since the baseline and still open, with its /proc/net line when it has one. */
    public List<String> sockets() {
        Set<String> now = openSockets();
        now.removeAll(socketsBefore);
        List<String> out = new ArrayList<>();
        for (String inode : now) {
            out.add(describe(inode));
        }
        return out;
    }

    /**
     * Threads the JDK (or JRuby, or log4j) starts lazily and owns, never the plugin's. The common
     * ForkJoinPool is one of them: the JDK's HttpClient completes some failed connections on it;
     * its workers are shared by the whole JVM, cannot be shut down by anyone, and exit after 60 s
     * idle.
     */
    private static boolean isJvmThread(Thread t) {
        String n = t.getName();
        return n.startsWith("ForkJoinPool.commonPool-worker-") || n.equals("Common-Cleaner") || n.equals("process reaper")
                || n.equals("Attach Listener") || n.equals("Signal Dispatcher") || n.equals("Notification Thread")
                || n.startsWith("JFR ") || n.equals("DestroyJavaVM") || n.startsWith("Ruby-") || n.startsWith("Log4j2-");
    }

    /** The inodes of this process's open sockets ("socket:[123]" → "123"), from /proc (Linux). */
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
                        out.add(link.substring(8, link.length() - 1));
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

    /** A socket inode with its /proc/net line (addresses and state) when it is a TCP or Unix socket. */
    private static String describe(String inode) {
        String found = "socket " + inode;
        for (String table : List.of("/proc/self/net/tcp", "/proc/self/net/tcp6", "/proc/self/net/unix")) {
            try {
                for (String line : Files.readAllLines(Path.of(table))) {
                    String[] f = line.trim().split("\\s+");
                    if (List.of(f).contains(inode)) {
                        found = table + ": " + line.trim();
                    }
                }
            } catch (IOException ignored) {
                // table missing on this kernel
            }
        }
        return found;
    }
}
