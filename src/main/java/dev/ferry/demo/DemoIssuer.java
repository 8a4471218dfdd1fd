package dev.ferry.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import no.nav.security.mock.oauth2.MockOAuth2Server;
import no.nav.security.mock.oauth2.OAuth2Config;

/**
 * The demo's OIDC provider: mock-oauth2-server on 127.0.0.1 with its interactive login, serving
 * Ferry's own login page that lists the {@link DemoUser}s. A request mapping per user turns the
 * name picked on that page (or sent with the password grant) into the user's email and groups, so
 * nobody has to type claims. Every token is issued to {@link #CLIENT_ID}.
 */
public final class DemoIssuer implements AutoCloseable {
  /** The issuer's path segment: the issuer is {@code http://127.0.0.1:PORT/ferry-demo}. */
  public static final String ISSUER_ID = "ferry-demo";

  /** The public client `ferry login` and the desktop app sign in as; also the tokens' audience. */
  public static final String CLIENT_ID = "ferry-demo";

  private static final String LOGIN_TEMPLATE = "/dev/ferry/demo/login.html";
  private static final long TOKEN_SECONDS = 3600;
  private static final ObjectMapper JSON = new ObjectMapper();

  private final MockOAuth2Server server;
  private final String issuer;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private DemoIssuer(MockOAuth2Server server) {
    this.server = server;
    // The provider names itself after the request's Host: clients must use 127.0.0.1 too.
    this.issuer = "http://127.0.0.1:" + server.baseUrl().port() + "/" + ISSUER_ID;
  }

  /**
   * Starts the provider on a free loopback port; its login page is written into {@code folder} (the
   * provider reads it from a file).
   */
  public static DemoIssuer start(Path folder, List<DemoUser> users) throws IOException {
    Path loginPage = folder.resolve("login.html");
    Files.writeString(loginPage, loginPage(users), StandardCharsets.UTF_8);
    MockOAuth2Server server =
        new MockOAuth2Server(OAuth2Config.Companion.fromJson(configJson(loginPage, users)));
    server.start(InetAddress.getByName("127.0.0.1"), 0);
    return new DemoIssuer(server);
  }

  /** {@code http://127.0.0.1:PORT/ferry-demo}, exactly as tokens name it. */
  public String issuer() {
    return issuer;
  }

  public int port() {
    return server.baseUrl().port();
  }

  /** mock-oauth2-server's configuration: interactive login, our page, one mapping per user. */
  static String configJson(Path loginPage, List<DemoUser> users) {
    ObjectNode root = JSON.createObjectNode();
    root.put("interactiveLogin", true);
    root.put("loginPagePath", loginPage.toAbsolutePath().toString());
    ObjectNode callback = root.putArray("tokenCallbacks").addObject();
    callback.put("issuerId", ISSUER_ID);
    callback.put("tokenExpiry", TOKEN_SECONDS);
    ArrayNode mappings = callback.putArray("requestMappings");
    for (DemoUser u : users) {
      ObjectNode claims = mapping(mappings, u.name());
      claims.put("sub", u.name());
      claims.put("email", u.email());
      u.groups().forEach(claims.putArray("groups")::add);
    }
    // Anyone else: a user the gateway knows by email, in no group, so reaching no demo proxy.
    ObjectNode other = mapping(mappings, "*");
    other.put("sub", "${subject}");
    other.put("email", "${subject}@example.com");
    other.putArray("groups");
    try {
      return JSON.writeValueAsString(root);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * Adds a mapping that matches the login's user name ({@code subject}: what the login form or the
   * password grant gave) and returns its claims, already naming the audience.
   */
  private static ObjectNode mapping(ArrayNode mappings, String match) {
    ObjectNode m = mappings.addObject();
    m.put("requestParam", "subject");
    m.put("match", match);
    ObjectNode claims = m.putObject("claims");
    claims.putArray("aud").add(CLIENT_ID);
    return claims;
  }

  static String loginPage(List<DemoUser> users) throws IOException {
    String template;
    try (InputStream in =
        Objects.requireNonNull(
            DemoIssuer.class.getResourceAsStream(LOGIN_TEMPLATE), LOGIN_TEMPLATE)) {
      template = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    StringBuilder forms = new StringBuilder();
    for (DemoUser u : users) {
      forms
          .append("<form class=\"user\" method=\"post\">")
          .append("<button type=\"submit\" name=\"username\" value=\"")
          .append(html(u.name()))
          .append("\">")
          .append(html(u.name()))
          .append("</button><span>")
          .append(html(u.email()))
          .append(" &middot; groups <b>")
          .append(html(String.join(", ", u.groups())))
          .append("</b> &middot; reaches ")
          .append(html(String.join(", ", DemoWorld.reachable(u))))
          .append("</span></form>\n");
    }
    return template.replace("{{USERS}}", forms.toString());
  }

  private static String html(String s) {
    return s.replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
        .replace("\"", "&quot;");
  }

  /**
   * A fresh ID token for {@code user}, through the provider's password grant (what the login page
   * would give after picking that user, without a browser).
   */
  public String passwordGrant(DemoUser user) throws IOException, InterruptedException {
    String form =
        "grant_type=password&username="
            + URLEncoder.encode(user.name(), StandardCharsets.UTF_8)
            + "&password=demo&client_id="
            + CLIENT_ID
            + "&scope=openid+email+profile";
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(URI.create(issuer + "/token"))
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    JsonNode json = r.statusCode() == 200 ? JSON.readTree(r.body()) : null;
    String token = json == null ? "" : json.path("id_token").asText("");
    if (token.isEmpty()) {
      throw new IOException(
          "the demo provider gave no token for " + user.name() + ": HTTP " + r.statusCode());
    }
    return token;
  }

  @Override
  public void close() {
    server.shutdown();
  }
}
