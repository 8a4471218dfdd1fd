package dev.ferry.gateway.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.ferry.gateway.config.Target;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** The link-local check happens on the resolved address, whatever the name looked like. */
@Timeout(30)
class UpstreamResolverTest {
  /** DNS that answers an innocent name with the cloud metadata server. */
  static InetAddress hostileDns(String host) throws UnknownHostException {
    return switch (host) {
      case "innocent.example" -> InetAddress.getByName("169.254.169.254");
      case "v6.example" -> InetAddress.getByName("fe80::a:1");
      case "db.example" -> InetAddress.getByName("10.1.2.3");
      default -> throw new UnknownHostException(host);
    };
  }

  final UpstreamResolver resolver = new UpstreamResolver(UpstreamResolverTest::hostileDns);

  Throwable failure(String host, boolean allow) {
    try {
      resolver.resolve(new Target(host, 80), allow).get(10, TimeUnit.SECONDS);
      return null;
    } catch (java.util.concurrent.ExecutionException e) {
      return e.getCause() instanceof CompletionException c ? c.getCause() : e.getCause();
    } catch (Exception e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void anInnocentNameThatResolvesToTheMetadataServerIsRefused() {
    assertThat(failure("innocent.example", false))
        .isInstanceOf(LinkLocalRefusedException.class)
        .hasMessage(
            "upstream host innocent.example resolves to link-local address 169.254.169.254,"
                + " which this proxy does not allow (allowLinkLocal)");
    assertThat(failure("v6.example", false)).isInstanceOf(LinkLocalRefusedException.class);
  }

  @Test
  void allowedWhenTheProxySaysSo() throws Exception {
    InetSocketAddress a =
        resolver.resolve(new Target("innocent.example", 80), true).get(10, TimeUnit.SECONDS);
    assertThat(a.getAddress().getHostAddress()).isEqualTo("169.254.169.254");
    assertThat(failure("db.example", false)).isNull();
    assertThat(failure("nowhere.example", false)).isInstanceOf(UnknownHostException.class);
  }

  @Test
  void linkLocalRanges() throws Exception {
    for (String a : new String[] {"169.254.0.0", "169.254.255.255", "fe80::1", "febf::1"}) {
      assertThat(UpstreamResolver.isLinkLocal(InetAddress.getByName(a))).as(a).isTrue();
    }
    byte[] mapped = new byte[16];
    mapped[10] = (byte) 0xff;
    mapped[11] = (byte) 0xff;
    mapped[12] = (byte) 169;
    mapped[13] = (byte) 254;
    assertThat(UpstreamResolver.isLinkLocal(InetAddress.getByAddress(mapped))).isTrue();
    for (String a :
        new String[] {"169.253.255.255", "169.255.0.0", "127.0.0.1", "fec0::1", "::1"}) {
      assertThat(UpstreamResolver.isLinkLocal(InetAddress.getByName(a))).as(a).isFalse();
    }
  }
}
