package io.mispenrich.logstash.kv;

import java.net.InetSocketAddress;

/** One entry of memcached_hosts: "host:port", "[v6]:port", or "host" (port 11211). */
public record HostPort(String host, int port) {

    public static final int DEFAULT_PORT = 11211;

    /** Parses an entry; throws IllegalArgumentException with a message fit for a config error. */
    public static HostPort parse(String text) {
        if (text == null || text.isBlank() || !text.strip().equals(text)) {
            throw new IllegalArgumentException("expected \"host:port\", got \"" + text + "\"");
        }
        String host;
        String port = null;
        if (text.startsWith("[")) {
            int end = text.indexOf(']');
            if (end < 0) {
                throw new IllegalArgumentException("unclosed '[' in \"" + text + "\"");
            }
            host = text.substring(1, end);
            String rest = text.substring(end + 1);
            if (!rest.isEmpty()) {
                if (!rest.startsWith(":")) {
                    throw new IllegalArgumentException("expected \"[address]:port\", got \"" + text + "\"");
                }
                port = rest.substring(1);
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon >= 0 && text.indexOf(':') != colon) {
                throw new IllegalArgumentException("write IPv6 addresses as \"[address]:port\", got \"" + text + "\"");
            }
            host = colon < 0 ? text : text.substring(0, colon);
            port = colon < 0 ? null : text.substring(colon + 1);
        }
        if (host.isEmpty() || host.chars().anyMatch(c -> c <= ' ' || c == '/' || c == '@')) {
            throw new IllegalArgumentException("bad host in \"" + text + "\"");
        }
        int p = DEFAULT_PORT;
        if (port != null) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (p < 1 || p > 65535) {
                throw new IllegalArgumentException("bad port in \"" + text + "\"");
            }
        }
        return new HostPort(host, p);
    }

    /** Resolved at connect time, so a DNS name may move between connections. */
    public InetSocketAddress address() {
        return new InetSocketAddress(host, port);
    }

    @Override
    public String toString() {
        return host.indexOf(':') >= 0 ? "[" + host + "]:" + port : host + ":" + port;
    }
}
