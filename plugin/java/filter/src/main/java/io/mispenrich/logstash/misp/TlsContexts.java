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
import java.nio.charset.StandardCharsets;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

import io.mispenrich.logstash.config.ConfigException;
import io.mispenrich.logstash.config.Options;
import io.mispenrich.logstash.config.Settings;

/**
 * TLS towards MISP, from Logstash's usual options: ssl_verification_mode, ssl_certificate_authorities
 * (replace the JVM's trusted authorities), ssl_certificate and ssl_key (a client certificate, PEM;
 * the key unencrypted PKCS#8), ssl_supported_protocols and ssl_cipher_suites.
 */
public final class TlsContexts {

    private TlsContexts() {
    }

    public static SSLContext forMisp(Settings.Tls tls) {
        try {
            TrustManager[] trust = null;
            if ("none".equals(tls.verificationMode())) {
                trust = new TrustManager[]{new TrustEverything()};
            } else if (!tls.certificateAuthorities().isEmpty()) {
                trust = trustManagers(tls.certificateAuthorities());
            }
            KeyManager[] keys = tls.certificate() == null ? null : keyManagers(tls.certificate(), tls.key());
            if (trust == null && keys == null) {
                return SSLContext.getDefault();
            }
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(keys, trust, null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new ConfigException(Options.SSL_CERTIFICATE_AUTHORITIES.name(), "cannot set up TLS: " + e.getMessage());
        }
    }

    /** The protocols and cipher suites to offer, or null for the JDK's defaults. */
    public static SSLParameters parameters(SSLContext ctx, Settings.Tls tls) {
        if (tls.supportedProtocols().isEmpty() && tls.cipherSuites().isEmpty()) {
            return null;
        }
        SSLParameters p = ctx.getDefaultSSLParameters();
        if (!tls.supportedProtocols().isEmpty()) {
            p.setProtocols(tls.supportedProtocols().toArray(new String[0]));
        }
        if (!tls.cipherSuites().isEmpty()) {
            List<String> known = List.of(ctx.getSupportedSSLParameters().getCipherSuites());
            for (String c : tls.cipherSuites()) {
                if (!known.contains(c)) {
                    throw new ConfigException(Options.SSL_CIPHER_SUITES.name(), "this JVM does not know the cipher suite " + c);
                }
            }
            p.setCipherSuites(tls.cipherSuites().toArray(new String[0]));
        }
        return p;
    }

    private static TrustManager[] trustManagers(List<Path> authorities) throws GeneralSecurityException, IOException {
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
                throw new ConfigException(Options.SSL_CERTIFICATE_AUTHORITIES.name(), "cannot read " + p + ": " + e.getMessage());
            }
        }
        if (n == 0) {
            throw new ConfigException(Options.SSL_CERTIFICATE_AUTHORITIES.name(), "holds no PEM certificate");
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(ks);
        return tmf.getTrustManagers();
    }

    private static KeyManager[] keyManagers(Path certificate, Path key) throws GeneralSecurityException, IOException {
        List<Certificate> chain = new ArrayList<>();
        try (InputStream in = Files.newInputStream(certificate)) {
            chain.addAll(CertificateFactory.getInstance("X.509").generateCertificates(in));
        } catch (IOException | GeneralSecurityException e) {
            throw new ConfigException(Options.SSL_CERTIFICATE.name(), "cannot read " + certificate + ": " + e.getMessage());
        }
        if (chain.isEmpty()) {
            throw new ConfigException(Options.SSL_CERTIFICATE.name(), "holds no PEM certificate");
        }
        PrivateKey pk = privateKey(key);
        KeyStore ks = KeyStore.getInstance(KeyStore.getDefaultType());
        ks.load(null, null);
        char[] none = new char[0];
        ks.setKeyEntry("client", pk, none, chain.toArray(new Certificate[0]));
        KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, none);
        return kmf.getKeyManagers();
    }

    /** An unencrypted PKCS#8 PEM key ("BEGIN PRIVATE KEY"), RSA, EC or EdDSA. */
    private static PrivateKey privateKey(Path key) throws IOException {
        String pem = Files.readString(key, StandardCharsets.US_ASCII);
        int begin = pem.indexOf("-----BEGIN PRIVATE KEY-----");
        int end = pem.indexOf("-----END PRIVATE KEY-----");
        if (begin < 0 || end < begin) {
            throw new ConfigException(Options.SSL_KEY.name(), "must be an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY); convert one with "
                    + "openssl pkcs8 -topk8 -nocrypt");
        }
        byte[] der = Base64.getMimeDecoder().decode(pem.substring(begin + 27, end));
        for (String algorithm : List.of("RSA", "EC", "Ed25519", "Ed448")) {
            try {
                return KeyFactory.getInstance(algorithm).generatePrivate(new PKCS8EncodedKeySpec(der));
            } catch (GeneralSecurityException e) {
                // not this algorithm: try the next
            }
        }
        throw new ConfigException(Options.SSL_KEY.name(), "is not an RSA, EC or EdDSA key");
    }

    /**
     * ssl_verification_mode => none: neither the chain nor the host name is checked. The host
     * name is checked by the trust manager (MispExchange asks for endpoint identification on every
     * socket): an extended trust manager that accepts everything skips it, without touching the
     * JVM-wide HTTPS defaults (hostname verifier, socket factory) other plugins rely on.
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
