package dev.ferry.gateway.auth;

import com.nimbusds.jose.JOSEException;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.crypto.ECDSAVerifier;
import com.nimbusds.jose.crypto.RSASSAVerifier;
import com.nimbusds.jose.jwk.Curve;
import com.nimbusds.jose.jwk.ECKey;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.OctetKeyPair;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jwt.SignedJWT;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.HexFormat;
import java.util.Map;
import java.util.Set;

/**
 * Which algorithms we accept and which key may verify which algorithm. The algorithm a token claims
 * is only trusted when the selected key's type (and curve) fits it, which rules out the classic
 * confusions: {@code none}, HS* keyed with a public key, RS* against an EC key.
 */
final class SignatureCheck {
  static final Set<JWSAlgorithm> ALLOWED =
      Set.of(
          JWSAlgorithm.RS256,
          JWSAlgorithm.RS384,
          JWSAlgorithm.RS512,
          JWSAlgorithm.PS256,
          JWSAlgorithm.PS384,
          JWSAlgorithm.PS512,
          JWSAlgorithm.ES256,
          JWSAlgorithm.ES384,
          JWSAlgorithm.ES512,
          JWSAlgorithm.EdDSA);

  private static final Map<JWSAlgorithm, Curve> EC_CURVES =
      Map.of(
          JWSAlgorithm.ES256, Curve.P_256,
          JWSAlgorithm.ES384, Curve.P_384,
          JWSAlgorithm.ES512, Curve.P_521);

  /**
   * DER prefixes of an X.509 SubjectPublicKeyInfo for the raw EdDSA public keys: the JDK (15+)
   * verifies EdDSA natively, nimbus would need Google Tink for it.
   */
  private static final byte[] ED25519_SPKI = HexFormat.of().parseHex("302a300506032b6570032100");

  private static final byte[] ED448_SPKI = HexFormat.of().parseHex("3043300506032b6571033a00");

  private SignatureCheck() {}

  static boolean allowed(JWSAlgorithm alg) {
    return ALLOWED.contains(alg);
  }

  /** Whether {@code key} may verify a signature made with {@code alg}. */
  static boolean fits(JWSAlgorithm alg, JWK key) {
    if (key.getAlgorithm() != null && !key.getAlgorithm().getName().equals(alg.getName())) {
      return false;
    }
    if (JWSAlgorithm.Family.RSA.contains(alg)) {
      return key instanceof RSAKey;
    }
    if (EC_CURVES.containsKey(alg)) {
      return key instanceof ECKey ec && EC_CURVES.get(alg).equals(ec.getCurve());
    }
    if (JWSAlgorithm.EdDSA.equals(alg)) {
      return key instanceof OctetKeyPair okp
          && (Curve.Ed25519.equals(okp.getCurve()) || Curve.Ed448.equals(okp.getCurve()));
    }
    return false;
  }

  /** Verifies the signature with a key that {@link #fits} the token's algorithm. */
  static boolean verify(SignedJWT jwt, JWK key) throws JOSEException {
    if (key instanceof RSAKey rsa) {
      return jwt.verify(new RSASSAVerifier(rsa));
    }
    if (key instanceof ECKey ec) {
      return jwt.verify(new ECDSAVerifier(ec));
    }
    if (key instanceof OctetKeyPair okp) {
      return verifyEdDsa(jwt, okp);
    }
    return false;
  }

  private static boolean verifyEdDsa(SignedJWT jwt, OctetKeyPair okp) throws JOSEException {
    boolean ed25519 = Curve.Ed25519.equals(okp.getCurve());
    byte[] prefix = ed25519 ? ED25519_SPKI : ED448_SPKI;
    byte[] raw = okp.getDecodedX();
    if (raw.length != (ed25519 ? 32 : 57)) {
      return false;
    }
    byte[] der = new byte[prefix.length + raw.length];
    System.arraycopy(prefix, 0, der, 0, prefix.length);
    System.arraycopy(raw, 0, der, prefix.length, raw.length);
    String name = ed25519 ? "Ed25519" : "Ed448";
    try {
      PublicKey publicKey =
          KeyFactory.getInstance(name).generatePublic(new X509EncodedKeySpec(der));
      Signature signature = Signature.getInstance(name);
      signature.initVerify(publicKey);
      signature.update(jwt.getSigningInput());
      return signature.verify(jwt.getSignature().decode());
    } catch (GeneralSecurityException e) {
      throw new JOSEException("EdDSA verification failed: " + e.getMessage(), e);
    }
  }
}
