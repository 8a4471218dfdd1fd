package dev.ferry.testkit;

/**
 * Kept for tests written on other branches at the same time; new tests call {@link
 * GatewayFixture#warmProvider()} directly.
 */
public final class IssuerWarmup {
  private IssuerWarmup() {}

  /** {@link GatewayFixture#warmProvider()}: the provider's discovery document and keys, once. */
  public static void warm(GatewayFixture fx) throws Exception {
    fx.warmProvider();
  }
}
