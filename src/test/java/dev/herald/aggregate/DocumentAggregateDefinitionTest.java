package dev.herald.aggregate;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonObject;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** What a node refuses to start with, for an aggregate over a collection: one sentence naming the aggregate and the key. */
class DocumentAggregateDefinitionTest {

  static AggregateDefinitions define(JsonObject aggregate) {
    return new AggregateDefinitions(Set.of("bills"), new JsonObject().put("billStats", aggregate));
  }

  static JsonObject bills(String field) {
    return new JsonObject().put("collection", "bills").put("channel", "stats:bills")
        .put("fields", new JsonObject().put("n", "count()").put("f", field));
  }

  @Test
  void fieldsThatCannotBeTakenBackOutAreRefused() {
    for (String field : new String[] {"min(doc.amount)", "max(doc.amount)", "distinctCount(doc.customerId)", "last(doc)"}) {
      assertThatThrownBy(() -> define(bills(field))).hasMessageContaining("aggregates.billStats.fields.f")
          .hasMessageContaining("only count and sum");
    }
  }

  @Test
  void expressionsReadTheDocumentAndTheFilterMustBeACondition() {
    assertThatThrownBy(() -> define(bills("sum(data.amount)"))).hasMessageContaining("aggregates.billStats.fields.f: invalid CEL");
    assertThatThrownBy(() -> define(bills("sum(doc.amount)").put("filter", "doc.amount + 1")))
        .hasMessageContaining("aggregates.billStats.filter: invalid CEL");
  }

  @Test
  void theCollectionMustBeDeclaredAndTheSnapshotChannelNamed() {
    assertThatThrownBy(() -> define(bills("sum(doc.amount)").put("collection", "invoices")))
        .hasMessageContaining("aggregates.billStats.collection: no collection invoices");
    JsonObject noChannel = bills("sum(doc.amount)");
    noChannel.remove("channel");
    assertThatThrownBy(() -> define(noChannel)).hasMessageContaining("aggregates.billStats.channel: name the channel");
    assertThatThrownBy(() -> define(bills("sum(doc.amount)").put("types", new io.vertx.core.json.JsonArray().add("x"))))
        .hasMessageContaining("takes no channels or types");
  }
}
