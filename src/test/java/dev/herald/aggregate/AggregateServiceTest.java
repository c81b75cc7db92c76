package dev.herald.aggregate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.herald.core.HeraldException;
import dev.herald.core.Identity;
import dev.herald.core.Namespaces;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;

/**
 * The service's refusals, in the order it checks: they come before the store is asked anything, so
 * there is no database here (what an allowed caller gets is AggregateTest's).
 */
class AggregateServiceTest {

  static final AggregateService SERVICE = new AggregateService(new AggregateDefinitions(java.util.Set.of(), new JsonObject()
      .put("votes", new JsonObject().put("channels", new JsonArray().add("poll")).put("groupBy", "data.option")
          .put("channel", "results").put("fields", new JsonObject().put("votes", "count()")))
      .put("balances", new JsonObject().put("channels", new JsonArray().add("ledger")).put("groupBy", "data.userId")
          .put("channel", "user:{group}").put("fields", new JsonObject().put("balance", "sum(data.amount)")))),
      new AggregateStore(null, null), // never reached: every call here is refused first
      new Namespaces(new JsonObject()
          .put("default", new JsonObject().put("subscribe", "authenticated"))
          .put("user", new JsonObject().put("subscribe", "authenticated"))));

  static final Identity USER_43 = Identity.user(new JsonObject().put("sub", "43"));

  @Test
  void anUnknownAggregateIsNotFoundWhoeverAsks() {
    refused(() -> SERVICE.read(Identity.ANONYMOUS, "nope", null), 404, "not_found", "no aggregate named nope");
    refused(() -> SERVICE.recompute(Identity.SERVER, "nope"), 404, "not_found", "no aggregate named nope");
  }

  @Test
  void anAggregateKeptPerGroupIsReadOneGroupAtATime() {
    String message = "balances is kept per group: add ?group=";
    refused(() -> SERVICE.read(Identity.SERVER, "balances", null), 400, "group_required", message);
    refused(() -> SERVICE.read(Identity.ANONYMOUS, "balances", ""), 400, "group_required", message);
  }

  @Test
  void readingFollowsTheSubscribeRuleOfTheChannelTheSnapshotsGoTo() {
    refused(() -> SERVICE.read(USER_43, "balances", "42"), 403, "forbidden", null); // user:42 is not 43's
    refused(() -> SERVICE.read(Identity.ANONYMOUS, "balances", "42"), 401, "unauthorized", null);
    refused(() -> SERVICE.read(USER_43, "balances", "a b"), 400, "invalid_channel", null); // names no channel
    // a group of a shared-channel aggregate is read under the shared channel's rule
    refused(() -> SERVICE.read(Identity.ANONYMOUS, "votes", "yes"), 401, "unauthorized", null);
  }

  @Test
  void recomputingNeedsAnApiKeyBeforeAnythingElse() {
    String message = "recomputing an aggregate needs an API key";
    refused(() -> SERVICE.recompute(USER_43, "votes"), 403, "forbidden", message);
    refused(() -> SERVICE.recompute(USER_43, "nope"), 403, "forbidden", message);
  }

  private static void refused(ThrowingCallable call, int status, String code, String message) {
    assertThatThrownBy(call).isInstanceOfSatisfying(HeraldException.class, e -> {
      assertThat(e.status()).isEqualTo(status);
      assertThat(e.code()).isEqualTo(code);
      if (message != null) {
        assertThat(e.getMessage()).isEqualTo(message);
      }
    });
  }
}
