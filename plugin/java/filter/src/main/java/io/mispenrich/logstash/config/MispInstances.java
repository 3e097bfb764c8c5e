package io.mispenrich.logstash.config;

import java.io.IOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import co.elastic.logstash.api.Password;
import io.mispenrich.logstash.contract.CoreAnswers.MispInstance;

/**
 * The further MISP instances of misp_sources, made settings the MISP port can use: each entry's
 * URL, its key read from its own key file, its CA file, verification and proxy where it gives
 * them, the filter's own ssl_* and proxy where it does not (as the agent's --sources entries
 * inherit --ca-file, --insecure and --proxy), and the filter's timeouts and cache bounds. The core
 * has read the file's shape; what needs the file system or Java's URI rules is checked here.
 */
public final class MispInstances {

    /** A key file holds one key: anything larger is not one. */
    static final long MAX_KEY_FILE_BYTES = 4096;

    private MispInstances() {
    }

    /** One instance, ready for a context fetcher. */
    public record Instance(String name, Settings.Misp misp, Settings.Tls tls) {
    }

    public static List<Instance> resolve(List<MispInstance> entries, Settings settings) {
        List<Instance> out = new ArrayList<>();
        for (MispInstance e : entries) {
            String where = "instance \"" + e.name() + "\": ";
            URI url = uri(where + "mispUrl", e.url());
            URI proxy = e.proxy() == null ? settings.misp().proxy() : uri(where + "proxy", e.proxy());
            Settings.checkMispUrl(Options.MISP_SOURCES.name(), where + "mispUrl ", url);
            if (e.proxy() != null) {
                Settings.checkProxy(Options.MISP_SOURCES.name(), where + "proxy ", proxy);
            }
            Settings.Misp base = settings.misp();
            Settings.Misp misp = new Settings.Misp(url, new Password(key(where, e.apiKeyFile())), base.timeoutMs(), base.maxResponseBytes(),
                    proxy, true, base.contextCacheSize(), base.contextCacheTtlMs(), base.contextFailureTtlMs());
            out.add(new Instance(e.name(), misp, tls(where, e, settings.tls())));
        }
        return List.copyOf(out);
    }

    private static Settings.Tls tls(String where, MispInstance e, Settings.Tls base) {
        boolean insecure = e.insecure() != null ? e.insecure() : "none".equals(base.verificationMode());
        if (insecure) {
            return new Settings.Tls("none", List.of(), base.certificate(), base.key(), base.supportedProtocols(), base.cipherSuites());
        }
        List<Path> cas = base.certificateAuthorities();
        if (e.caFile() != null) {
            Path ca = Path.of(e.caFile());
            if (!Files.isReadable(ca)) {
                throw new ConfigException(Options.MISP_SOURCES.name(), where + "caFile names a file that cannot be read: " + e.caFile());
            }
            cas = List.of(ca);
        }
        return new Settings.Tls("full", cas, base.certificate(), base.key(), base.supportedProtocols(), base.cipherSuites());
    }

    /** The key in the entry's key file (its first line); the message names the file, never what it holds. */
    private static String key(String where, String file) {
        Path p = Path.of(file);
        try {
            if (!Files.isReadable(p) || Files.size(p) > MAX_KEY_FILE_BYTES) {
                throw new ConfigException(Options.MISP_SOURCES.name(), where + "apiKeyFile cannot be read or is not a key file: " + file);
            }
            String text = Files.readString(p, StandardCharsets.UTF_8).strip();
            if (!Settings.isApiKey(text)) {
                throw new ConfigException(Options.MISP_SOURCES.name(), where + "apiKeyFile does not hold one printable ASCII key: " + file);
            }
            return text;
        } catch (IOException e) {
            throw new ConfigException(Options.MISP_SOURCES.name(), where + "apiKeyFile cannot be read: " + file);
        }
    }

    /** The text as a URI; the message never repeats it (a proxy URL may carry credentials). */
    private static URI uri(String what, String text) {
        try {
            return new URI(text);
        } catch (URISyntaxException e) {
            throw new ConfigException(Options.MISP_SOURCES.name(), what + " is not a valid URI");
        }
    }
}
