package dev.ferry.client.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.ferry.client.net.GatewayCookies;
import dev.ferry.client.net.ProxySettings;
import dev.ferry.client.tls.ClientTls;
import dev.ferry.tunnel.TunnelError;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLException;

/** The gateway's plain HTTP endpoints: {@code /v1/info} and {@code /v1/proxies}. */
public final class GatewayApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(15);

  private final URI base;
  private final HttpClient http;
  private final ProxySettings proxies;

  /**
   * @param base the gateway URL, e.g. {@code https://ferry.example.com}
   * @param tls trust for https gateways; null for the JDK default
   */
  public GatewayApi(URI base, SSLContext tls) {
    this(base, tls, ProxySettings.fromEnvironment());
  }

  /**
   * @param proxies how the gateway is reached (HTTPS_PROXY, NO_PROXY, the OS settings)
   */
  public GatewayApi(URI base, SSLContext tls, ProxySettings proxies) {
    this(base, tls, proxies, new GatewayCookies());
  }

  /**
   * @param cookies the gateway's cookie jar, shared with its {@code TunnelConnector}: a load
   *     balancer's affinity cookie set here is sent with the tunnels too, and the other way round
   */
  public GatewayApi(URI base, SSLContext tls, ProxySettings proxies, GatewayCookies cookies) {
    String s = base.toString();
    this.base = URI.create(s.endsWith("/") ? s : s + "/");
    this.proxies = proxies;
    HttpClient.Builder b =
        HttpClient.newBuilder()
            .connectTimeout(TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .cookieHandler(cookies.handler());
    if (tls != null) {
      b.sslContext(tls);
    }
    this.http = proxies.client(b);
  }

  public GatewayInfo info() throws GatewayApiException {
    JsonNode n = get("v1/info", null);
    List<GatewayInfo.IssuerInfo> issuers = new ArrayList<>();
    for (JsonNode i : n.path("issuers")) {
      issuers.add(
          new GatewayInfo.IssuerInfo(
              i.path("issuer").asText(),
              i.hasNonNull("clientId") ? i.path("clientId").asText() : null,
              strings(i.path("scopes"))));
    }
    return new GatewayInfo(
        n.path("name").asText(""),
        n.path("version").asText(""),
        n.path("protocol").asText(""),
        issuers);
  }

  public ProxyList proxies(String token) throws GatewayApiException {
    JsonNode n = get("v1/proxies", token);
    List<ProxyList.ProxyInfo> proxies = new ArrayList<>();
    for (JsonNode p : n.path("proxies")) {
      Map<String, Object> limits = new LinkedHashMap<>();
      p.path("limits")
          .fields()
          .forEachRemaining(
              e -> limits.put(e.getKey(), JSON.convertValue(e.getValue(), Object.class)));
      proxies.add(
          new ProxyList.ProxyInfo(
              p.path("name").asText(),
              p.path("description").asText(""),
              p.path("kind").asText("tcp"),
              strings(p.path("tags")),
              limits));
    }
    return new ProxyList(n.path("user").asText(""), strings(n.path("groups")), proxies);
  }

  private JsonNode get(String path, String token) throws GatewayApiException {
    URI uri = base.resolve(path);
    HttpRequest.Builder req =
        HttpRequest.newBuilder(uri).timeout(TIMEOUT).header("Accept", "application/json").GET();
    if (token != null) {
      req.header("Authorization", "Bearer " + token);
    }
    HttpResponse<String> resp;
    try {
      resp = http.send(req.build(), HttpResponse.BodyHandlers.ofString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new GatewayApiException(TunnelError.GATEWAY_UNREACHABLE, "interrupted", e);
    } catch (IOException e) {
      throw new GatewayApiException(TunnelError.GATEWAY_UNREACHABLE, unreachable(uri, e), e);
    }
    ProxySettings.HttpProxy via = proxies.route(uri).proxy();
    if (resp.statusCode() == 407 && via != null) {
      throw new GatewayApiException(
          TunnelError.GATEWAY_UNREACHABLE,
          via.describe()
              + " refused the request to "
              + uri.getHost()
              + ": 407 Proxy Authentication Required"
              + (via.hasCredentials()
                  ? " (check the user and password in " + via.source() + ")"
                  : " (put user:password@ in " + via.source() + ")"));
    }
    if (resp.statusCode() != 200) {
      throw refusal(resp.statusCode(), resp.body());
    }
    try {
      return JSON.readTree(resp.body());
    } catch (IOException e) {
      throw new GatewayApiException(
          TunnelError.INTERNAL, "gateway at " + base + " sent an answer that is not JSON", e);
    }
  }

  /** Turns a problem+json refusal into an exception naming the gateway's reason. */
  static GatewayApiException refusal(int status, String body) {
    TunnelError error = null;
    String detail = null;
    try {
      JsonNode problem = JSON.readTree(body);
      if (problem != null) {
        error = TunnelError.fromProblemType(problem.path("type").asText(""));
        detail = problem.hasNonNull("detail") ? problem.path("detail").asText() : null;
      }
    } catch (IOException ignored) {
      // not problem+json (e.g. a load balancer's HTML page): fall back to the status
    }
    if (error == null) {
      error = TunnelError.fromHttpStatus(status);
    }
    if (detail == null || detail.isBlank()) {
      detail = error.message() + " (HTTP " + status + ")";
    }
    return new GatewayApiException(error, detail);
  }

  private String unreachable(URI uri, IOException e) {
    String where = uri.getHost() + ":" + (uri.getPort() > 0 ? uri.getPort() : defaultPort(uri));
    ProxySettings.HttpProxy via = proxies.route(uri).proxy();
    if (via != null && !(e instanceof SSLException)) {
      return "gateway unreachable through " + via.describe() + ": " + where + ": " + describe(e);
    }
    if (e instanceof SSLException) {
      return ClientTls.handshakeFailure(where, e);
    }
    if (e instanceof HttpConnectTimeoutException || e instanceof HttpTimeoutException) {
      return "gateway unreachable: " + where + " timed out";
    }
    if (e instanceof ConnectException) {
      return "gateway unreachable: connection refused by " + where;
    }
    return "gateway unreachable: " + where + ": " + e;
  }

  private static String describe(IOException e) {
    if (e instanceof ConnectException) {
      return "connection refused (by the proxy?)";
    }
    return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
  }

  private static int defaultPort(URI uri) {
    return "https".equalsIgnoreCase(uri.getScheme()) ? 443 : 80;
  }

  private static List<String> strings(JsonNode array) {
    List<String> out = new ArrayList<>();
    array.forEach(v -> out.add(v.asText()));
    return out;
  }
}
