package dev.ferry.gateway.server;

import dev.ferry.gateway.config.TlsSettings;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;

/**
 * The gateway's TLS context from {@code gateway.tls}: reads the PEM chain and key and refuses, with
 * a message naming the file, what would otherwise only show at the first handshake (a missing file,
 * no certificate, a key that does not belong to the certificate).
 */
public final class ServerTls {
  private ServerTls() {}

  /**
   * @throws IllegalArgumentException naming the file at fault and why
   */
  public static SslContext load(TlsSettings tls) {
    requireReadable(tls.cert(), "certificate");
    requireReadable(tls.key(), "key");
    X509Certificate[] chain;
    PrivateKey key;
    try {
      chain = Pem.certificates(tls.cert());
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "cannot read TLS certificate " + tls.cert() + ": " + e.getMessage(), e);
    }
    if (chain == null || chain.length == 0) {
      throw new IllegalArgumentException("TLS certificate " + tls.cert() + " holds no certificate");
    }
    try {
      key = Pem.privateKey(tls.key());
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "cannot read TLS key " + tls.key() + " (PKCS#8 PEM expected): " + e.getMessage(), e);
    }
    if (!belongTogether(key, chain[0].getPublicKey())) {
      throw new IllegalArgumentException(
          "TLS key " + tls.key() + " does not belong to the certificate in " + tls.cert());
    }
    try {
      return SslContextBuilder.forServer(key, chain).build();
    } catch (Exception e) {
      throw new IllegalArgumentException(
          "cannot use TLS certificate "
              + tls.cert()
              + " and key "
              + tls.key()
              + ": "
              + e.getMessage(),
          e);
    }
  }

  private static void requireReadable(Path file, String what) {
    if (!Files.exists(file)) {
      throw new IllegalArgumentException("TLS " + what + " " + file + ": no such file");
    }
    if (!Files.isReadable(file) || Files.isDirectory(file)) {
      throw new IllegalArgumentException("TLS " + what + " " + file + ": not a readable file");
    }
  }

  /** Signs a probe with the key and checks it with the certificate's public key. */
  private static boolean belongTogether(PrivateKey key, PublicKey pub) {
    String algorithm =
        switch (pub.getAlgorithm()) {
          case "RSA" -> "SHA256withRSA";
          case "EC" -> "SHA256withECDSA";
          case "Ed25519", "EdDSA" -> "Ed25519";
          case "Ed448" -> "Ed448";
          default -> null;
        };
    if (algorithm == null) {
      return true; // a kind not checked here: the handshake will tell
    }
    try {
      byte[] probe = "ferry gateway.tls key check".getBytes(StandardCharsets.US_ASCII);
      // Re-read as the JDK's own key of the certificate's kind: Netty may have parsed it with
      // another provider (Bouncy Castle names EC keys "ECDSA", which SunEC refuses).
      PrivateKey jdkKey =
          KeyFactory.getInstance(pub.getAlgorithm())
              .generatePrivate(new PKCS8EncodedKeySpec(key.getEncoded()));
      Signature sign = Signature.getInstance(algorithm);
      sign.initSign(jdkKey);
      sign.update(probe);
      byte[] signature = sign.sign();
      Signature verify = Signature.getInstance(algorithm);
      verify.initVerify(pub);
      verify.update(probe);
      return verify.verify(signature);
    } catch (GeneralSecurityException e) {
      return false; // e.g. an RSA key for an EC certificate
    }
  }

  /** Netty's PEM readers (the ones SslContextBuilder uses) are protected: reach them from here. */
  private abstract static class Pem extends SslContext {
    static X509Certificate[] certificates(Path file) throws Exception {
      return toX509Certificates(file.toFile());
    }

    static PrivateKey privateKey(Path file) throws Exception {
      return toPrivateKey(file.toFile(), null);
    }
  }
}
