package dev.herald.documents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.testing.Http;
import dev.herald.testing.TestNode;
import dev.herald.testing.Tokens;
import io.vertx.core.json.JsonObject;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/** REST reads of documents as the tests' callers make them. */
final class DocLists {

  private DocLists() {
  }

  /** Headers of a customer's token. */
  static String[] customer(String sub) {
    return new String[] {"Authorization", "Bearer " + Tokens.user(sub)};
  }

  /** Headers of an admin's token. */
  static String[] admin() {
    return new String[] {"Authorization", "Bearer " + Tokens.user("ann", "admin")};
  }

  static String[] apiKey() {
    return new String[] {"X-Api-Key", TestNode.API_KEY};
  }

  /** Every document of the collection the caller may read that passes the filter (null: none), id -> doc, over all pages. */
  static Map<String, JsonObject> list(Http http, String collection, String filter, String... auth) {
    Map<String, JsonObject> all = new HashMap<>();
    String after = null;
    do {
      String path = "/api/v1/collections/" + collection + "/docs?limit=1000"
          + (filter == null ? "" : "&filter=" + encode(filter)) + (after == null ? "" : "&after=" + encode(after));
      Http.Response r = http.get(path, auth);
      assertThat(r.status()).as("GET %s: %s", path, r.body()).isEqualTo(200);
      JsonObject page = r.json();
      page.getJsonArray("docs").forEach(d -> {
        JsonObject doc = (JsonObject) d;
        assertThat(all.put(doc.getString("_id"), doc)).as("%s listed twice", doc.getString("_id")).isNull();
      });
      after = page.getString("next");
    } while (after != null);
    return all;
  }

  private static String encode(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
