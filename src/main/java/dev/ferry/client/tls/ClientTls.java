package dev.ferry.client.tls;

import io.netty.handler.ssl.NotSslRecordException;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;

/**
 * What the client trusts when it talks to an https gateway: the system's CAs plus, optionally, the
 * CAs of one PEM file (--ca-file). Host names are always verified.
 */
public final class ClientTls {
  private final X509ExtendedTrustManager trust;
  private final SslContext netty;
  private final SSLContext jdk;

  private ClientTls(X509ExtendedTrustManager trust) throws SSLException, GeneralSecurityException {
    this.trust = trust;
    this.netty =
        SslContextBuilder.forClient()
            .trustManager(trust)
            .endpointIdentificationAlgorithm("HTTPS")
            .build();
    this.jdk = SSLContext.getInstance("TLS");
    this.jdk.init(null, new TrustManager[] {trust}, null);
  }

  /**
   * @param caFileOrNull a PEM file with one or more CA certificates to trust besides the system's
   * @throws IOException when the file cannot be read or holds no certificate
   */
  public static ClientTls create(Path caFileOrNull) throws IOException {
    try {
      List<X509ExtendedTrustManager> managers = new ArrayList<>();
      managers.add(trustManager(null));
      if (caFileOrNull != null) {
        KeyStore store = KeyStore.getInstance(KeyStore.getDefaultType());
        store.load(null, null);
        Collection<? extends Certificate> certs;
        try (InputStream in = Files.newInputStream(caFileOrNull)) {
          certs = CertificateFactory.getInstance("X.509").generateCertificates(in);
        } catch (CertificateException e) {
          throw new IOException("cannot read CA file " + caFileOrNull + ": " + e.getMessage(), e);
        }
        if (certs.isEmpty()) {
          throw new IOException("CA file " + caFileOrNull + " holds no certificate");
        }
        int i = 0;
        for (Certificate c : certs) {
          store.setCertificateEntry("ca-" + i++, c);
        }
        managers.add(trustManager(store));
      }
      return new ClientTls(new CompositeTrustManager(managers));
    } catch (GeneralSecurityException e) {
      throw new IOException("cannot set up TLS: " + e.getMessage(), e);
    }
  }

  private static X509ExtendedTrustManager trustManager(KeyStore storeOrNullForSystem)
      throws GeneralSecurityException {
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(storeOrNullForSystem);
    for (TrustManager tm : tmf.getTrustManagers()) {
      if (tm instanceof X509ExtendedTrustManager x) {
        return x;
      }
    }
    throw new GeneralSecurityException("no X509 trust manager available");
  }

  /** For Netty clients (tunnels); create handlers with host and port so names are verified. */
  public SslContext netty() {
    return netty;
  }

  /** For java.net.http clients (REST calls). */
  public SSLContext jdk() {
    return jdk;
  }

  public X509ExtendedTrustManager trustManager() {
    return trust;
  }

  /**
   * Why a TLS handshake with {@code where} (host, or host:port) failed, in words; shared by tunnels
   * and the REST calls so both read the same: a certificate for another name, a certificate no
   * trusted CA issued (pass --ca-file), a peer that does not speak TLS, anything else.
   */
  public static String handshakeFailure(String where, Throwable cause) {
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof HostMismatchException m) {
        return "TLS certificate of " + where + " " + m.getMessage();
      }
    }
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof CertificateException) {
        return "TLS certificate of "
            + where
            + " is not trusted: "
            + rootMessage(cause)
            + "; pass --ca-file if it uses a private CA";
      }
    }
    for (Throwable t = cause; t != null; t = t.getCause()) {
      if (t instanceof NotSslRecordException
          || (t instanceof SSLException
              && String.valueOf(t.getMessage()).startsWith("Unrecognized SSL message"))) {
        return "gateway "
            + where
            + " did not answer with TLS; if it serves plain HTTP, use an http:// URL";
      }
    }
    return "TLS handshake with " + where + " failed: " + rootMessage(cause);
  }

  private static String rootMessage(Throwable cause) {
    Throwable root = cause;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
  }

  /**
   * The chain is trusted, but not for the host name asked for. Its own type, so that the message
   * names the mismatch instead of sending the user after a CA file that would not help.
   */
  static final class HostMismatchException extends CertificateException {
    private static final long serialVersionUID = 1L;

    HostMismatchException(X509Certificate leaf, CertificateException cause) {
      super(
          "is for " + names(leaf) + ", not for this host name (" + cause.getMessage() + ")", cause);
    }

    private static String names(X509Certificate leaf) {
      List<String> names = new ArrayList<>();
      try {
        Collection<List<?>> sans = leaf.getSubjectAlternativeNames();
        if (sans != null) {
          for (List<?> san : sans) {
            Object type = san.get(0);
            if (Integer.valueOf(2).equals(type) || Integer.valueOf(7).equals(type)) {
              names.add(String.valueOf(san.get(1))); // dNSName, iPAddress
            }
          }
        }
      } catch (CertificateParsingException e) {
        // fall back to the subject below
      }
      return names.isEmpty() ? leaf.getSubjectX500Principal().getName() : String.join(", ", names);
    }
  }

  /** Accepts a chain when any of its trust managers does; the first one's error otherwise. */
  private static final class CompositeTrustManager extends X509ExtendedTrustManager {
    private final List<X509ExtendedTrustManager> managers;

    CompositeTrustManager(List<X509ExtendedTrustManager> managers) {
      this.managers = List.copyOf(managers);
    }

    private interface Check {
      void run(X509ExtendedTrustManager tm) throws CertificateException;
    }

    private void any(Check check) throws CertificateException {
      CertificateException first = null;
      for (X509ExtendedTrustManager tm : managers) {
        try {
          check.run(tm);
          return;
        } catch (CertificateException e) {
          if (first == null) {
            first = e;
          }
        }
      }
      throw first;
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      server(chain, authType, tm -> tm.checkServerTrusted(chain, authType, engine));
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      server(chain, authType, tm -> tm.checkServerTrusted(chain, authType, socket));
    }

    /**
     * Like {@link #any}, but when no manager accepts the chain for this host and one of them
     * accepts it without the name check, the failure is a {@link HostMismatchException}.
     */
    private void server(X509Certificate[] chain, String authType, Check withHostName)
        throws CertificateException {
      List<CertificateException> errors = new ArrayList<>();
      for (X509ExtendedTrustManager tm : managers) {
        try {
          withHostName.run(tm);
          return;
        } catch (CertificateException e) {
          errors.add(e);
        }
      }
      for (int i = 0; i < managers.size(); i++) {
        try {
          managers.get(i).checkServerTrusted(chain, authType);
        } catch (CertificateException notTrustedEither) {
          continue;
        }
        throw new HostMismatchException(chain[0], errors.get(i));
      }
      throw errors.get(0);
    }

    @Override
    public void checkServerTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      any(tm -> tm.checkServerTrusted(chain, authType));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
        throws CertificateException {
      any(tm -> tm.checkClientTrusted(chain, authType, engine));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
        throws CertificateException {
      any(tm -> tm.checkClientTrusted(chain, authType, socket));
    }

    @Override
    public void checkClientTrusted(X509Certificate[] chain, String authType)
        throws CertificateException {
      any(tm -> tm.checkClientTrusted(chain, authType));
    }

    @Override
    public X509Certificate[] getAcceptedIssuers() {
      return managers.stream()
          .flatMap(tm -> java.util.Arrays.stream(tm.getAcceptedIssuers()))
          .toArray(X509Certificate[]::new);
    }
  }
}
