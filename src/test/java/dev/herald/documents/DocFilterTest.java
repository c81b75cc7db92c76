package dev.herald.documents;

import static org.assertj.core.api.Assertions.assertThat;

import dev.herald.core.Identity;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Filters as users write them: numbers compare by value whether the document holds 3, 3.0 or 2.5. */
class DocFilterTest {

  private static final Map<String, Object> NOBODY = DocCel.auth(Identity.ANONYMOUS);

  private static boolean matches(String filter, JsonObject doc) {
    return DocFilter.parse(filter).test(NOBODY, DocCel.doc(doc));
  }

  @Test
  void wholeAndDecimalNumbersCompareByValue() {
    JsonObject bill = new JsonObject().put("amount", new BigDecimal("7500.25")).put("stock", 3L).put("threshold", new BigDecimal("5.5"));
    assertThat(matches("doc.amount >= 5000", bill)).as("a decimal against a whole literal").isTrue();
    assertThat(matches("doc.amount < 5000", bill)).isFalse();
    assertThat(matches("doc.stock < doc.threshold", bill)).as("low stock: 3 < 5.5").isTrue();
    assertThat(matches("doc.stock == 3.0", bill)).isTrue();
    assertThat(matches("doc.stock > 2.5", bill)).isTrue();
  }

  @Test
  void aMissingFieldOrAWrongTypeIsANoNotAnError() {
    JsonObject doc = new JsonObject().put("name", "pen").put("tags", new JsonArray().add("vip"));
    assertThat(matches("doc.amount > 1", doc)).isFalse();
    assertThat(matches("doc.name > 1", doc)).isFalse();
    assertThat(matches("\"vip\" in doc.tags", doc)).isTrue();
  }

  @Test
  void theIndexKeyOfANumberDoesNotDependOnHowItIsWritten() {
    assertThat(DocFilter.key(3L)).isEqualTo(DocFilter.key(new BigDecimal("3.0"))).isEqualTo(DocFilter.key(3.0));
    assertThat(DocFilter.key("3")).isNotEqualTo(DocFilter.key(3L));
    DocFilter.Bound bound = DocFilter.parse("doc.owner == auth.sub && doc.n > 2").indexFor(DocCel.auth(
        Identity.user(new JsonObject().put("sub", "ann"))));
    assertThat(bound.field()).isEqualTo("owner");
    assertThat(bound.key()).isEqualTo(DocFilter.key("ann"));
  }
}
