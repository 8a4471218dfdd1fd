package dev.ferry.testkit;

import dev.ferry.gateway.config.TlsSettings;
import io.netty.pkitesting.CertificateBuilder;
import io.netty.pkitesting.X509Bundle;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A private PKI for one test, written as PEM files into a folder (netty-pkitesting's {@link
 * CertificateBuilder}, P-256 keys, valid from now for two days):
 *
 * <ul>
 *   <li>{@code ca.pem}: the root CA a client trusts with {@code --ca-file};
 *   <li>{@code server.pem} / {@code server.key}: the gateway's chain and PKCS#8 key, for {@code
 *       127.0.0.1} (IP SAN) and {@code localhost} (DNS SAN), issued by that CA;
 *   <li>{@code wrong-host.pem} / {@code .key}: issued by the same CA for {@code
 *       other.example.invalid} only (a name mismatch when reached as 127.0.0.1);
 *   <li>{@code other-ca.pem}, and {@code untrusted.pem} / {@code .key}: an unrelated CA and a
 *       certificate for 127.0.0.1 it issued (not trusted by a client that trusts {@code ca.pem}).
 * </ul>
 *
 * <pre>
 * ThrowawayCa pki = ThrowawayCa.writeTo(tempDir);
 * GatewayFixture.Running gw = fx.gateway().tls(pki.tls()).proxy("echo", echo).start();
 * ClientTls trust = ClientTls.create(pki.caPem());
 * </pre>
 */
public final class ThrowawayCa {
  /** The only name {@link #wrongHostTls()} is issued for. */
  public static final String WRONG_HOST = "other.example.invalid";

  private final Path caPem;
  private final TlsSettings tls;
  private final TlsSettings wrongHostTls;
  private final Path otherCaPem;
  private final TlsSettings untrustedTls;

  private ThrowawayCa(
      Path caPem,
      TlsSettings tls,
      TlsSettings wrongHostTls,
      Path otherCaPem,
      TlsSettings untrustedTls) {
    this.caPem = caPem;
    this.tls = tls;
    this.wrongHostTls = wrongHostTls;
    this.otherCaPem = otherCaPem;
    this.untrustedTls = untrustedTls;
  }

  /** Creates both CAs and their certificates and writes them into {@code dir}. */
  public static ThrowawayCa writeTo(Path dir) throws Exception {
    Files.createDirectories(dir);
    X509Bundle root = ca("CN=Ferry Throwaway Test CA");
    X509Bundle server = server(root, "127.0.0.1", "localhost");
    X509Bundle wrongHost =
        new CertificateBuilder()
            .subject("CN=" + WRONG_HOST)
            .addSanDnsName(WRONG_HOST)
            .addExtendedKeyUsageServerAuth()
            .ecp256()
            .buildIssuedBy(root);
    X509Bundle otherRoot = ca("CN=Unrelated Throwaway CA");
    X509Bundle untrusted = server(otherRoot, "127.0.0.1", "localhost");
    return new ThrowawayCa(
        write(dir.resolve("ca.pem"), root.getCertificatePEM()),
        write(dir, "server", server),
        write(dir, "wrong-host", wrongHost),
        write(dir.resolve("other-ca.pem"), otherRoot.getCertificatePEM()),
        write(dir, "untrusted", untrusted));
  }

  private static X509Bundle ca(String subject) throws Exception {
    return new CertificateBuilder()
        .subject(subject)
        .setIsCertificateAuthority(true)
        .ecp256()
        .buildSelfSigned();
  }

  private static X509Bundle server(X509Bundle issuer, String ip, String dns) throws Exception {
    return new CertificateBuilder()
        .subject("CN=" + dns)
        .addSanIpAddress(ip)
        .addSanDnsName(dns)
        .addExtendedKeyUsageServerAuth()
        .ecp256()
        .buildIssuedBy(issuer);
  }

  private static TlsSettings write(Path dir, String name, X509Bundle bundle) throws IOException {
    return new TlsSettings(
        write(dir.resolve(name + ".pem"), bundle.getCertificatePathPEM()),
        write(dir.resolve(name + ".key"), bundle.getPrivateKeyPEM()));
  }

  private static Path write(Path file, String pem) throws IOException {
    return Files.writeString(file, pem, StandardCharsets.US_ASCII);
  }

  /** The root CA certificate (PEM) to trust with {@code --ca-file}. */
  public Path caPem() {
    return caPem;
  }

  /** {@code server.pem} + {@code server.key}: valid for 127.0.0.1 and localhost. */
  public TlsSettings tls() {
    return tls;
  }

  /** Issued by {@link #caPem()}, but only for {@link #WRONG_HOST}. */
  public TlsSettings wrongHostTls() {
    return wrongHostTls;
  }

  /** A second root CA, unrelated to {@link #caPem()}. */
  public Path otherCaPem() {
    return otherCaPem;
  }

  /** For 127.0.0.1 and localhost, issued by {@link #otherCaPem()}. */
  public TlsSettings untrustedTls() {
    return untrustedTls;
  }
}
