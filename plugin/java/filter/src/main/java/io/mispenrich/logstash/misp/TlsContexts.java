package io.mispenrich.logstash.misp;

import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.List;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

import io.mispenrich.logstash.config.ConfigException;

/** The SSLContext for MISP, following Logstash's ssl_verification_mode / ssl_certificate_authorities. */
public final class TlsContexts {

    private TlsContexts() {
    }

    public static SSLContext forMisp(String verificationMode, List<Path> authorities) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            if ("none".equals(verificationMode)) {
                ctx.init(null, new TrustManager[]{new TrustEverything()}, null);
            } else if (!authorities.isEmpty()) {
                // As in Logstash's plugins: the listed authorities replace the JVM's default ones.
                KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
                ks.load(null, null);
                CertificateFactory cf = CertificateFactory.getInstance("X.509");
                int n = 0;
                for (Path p : authorities) {
                    try (InputStream in = Files.newInputStream(p)) {
                        for (Certificate c : cf.generateCertificates(in)) {
                            ks.setCertificateEntry("ca-" + n++, c);
                        }
                    } catch (IOException | GeneralSecurityException e) {
                        throw new ConfigException("ssl_certificate_authorities", "cannot read " + p + ": " + e.getMessage());
                    }
                }
                if (n == 0) {
                    throw new ConfigException("ssl_certificate_authorities", "holds no PEM certificate");
                }
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(ks);
                ctx.init(null, tmf.getTrustManagers(), null);
            } else {
                return SSLContext.getDefault();
            }
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException("ssl_certificate_authorities", "cannot set up TLS: " + e.getMessage());
        }
    }

    /**
     * ssl_verification_mode => none: neither the chain nor the host name is checked. An extended
     * trust manager that accepts everything also switches off the JDK's endpoint identification,
     * without touching the JVM-wide HttpClient properties other plugins rely on.
     */
    private static final class TrustEverything extends X509ExtendedTrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
