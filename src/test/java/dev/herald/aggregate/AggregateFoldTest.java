package dev.herald.aggregate;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.herald.aggregate.AggregateFold.DistinctKey;
import dev.herald.aggregate.AggregateFold.DistinctValue;
import dev.herald.journal.Event;
import io.vertx.core.json.JsonObject;
import java.math.BigDecimal;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The fold of events into an aggregate's values, without a database: definitions as herald.yaml declares them. */
class AggregateFoldTest {

  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final TypeReference<Map<String, Object>> MAP = new TypeReference<>() { };

  @Test
  void countCountsEveryEventOrThoseWhereTheConditionHolds() {
    AggregateDefinition def = define("{channels: [c], fields: {all: 'count()', big: 'count(data.n > 5)'}}");
    JsonObject totals = fold(def, events(n(3), n(7), n(9), new JsonObject())).get("");
    assertThat(totals.getLong("all")).isEqualTo(4);
    assertThat(totals.getLong("big")).isEqualTo(2); // no n at all: the condition cannot hold
  }

  @Test
  void sumMinAndMaxOverIntegersStayWholeNumbers() {
    AggregateDefinition def = define("{channels: [c], fields: {s: 'sum(data.n)', lo: 'min(data.n)', hi: 'max(data.n)'}}");
    JsonObject totals = fold(def, events(n(3), n(-2), n(10), new JsonObject().put("n", "ten"))).get("");
    assertThat(totals.getValue("s")).isEqualTo(11L);
    assertThat(totals.getValue("lo")).isEqualTo(-2L);
    assertThat(totals.getValue("hi")).isEqualTo(10L);
  }

  @Test
  void sumMinAndMaxOverDecimalsAreExact() {
    AggregateDefinition def = define("{channels: [c], fields: {s: 'sum(data.n)', lo: 'min(data.n)', hi: 'max(data.n)'}}");
    JsonObject totals = fold(def, events(n(0.1), n(0.2), n(1), n(-0.25))).get("");
    // exact: 0.1 + 0.2 in doubles would not even give 0.3
    assertThat(Decimal.of(totals.getValue("s"))).isEqualTo(new BigDecimal("1.05"));
    assertThat(Decimal.of(totals.getValue("lo"))).isEqualTo(new BigDecimal("-0.25"));
    assertThat(totals.getValue("hi")).isEqualTo(1L);
    JsonObject whole = fold(def, events(n(0.5), n(0.5))).get("");
    assertThat(whole.getValue("s")).isEqualTo(1L); // a decimal sum that comes out whole is shown whole
  }

  @Test
  void lastKeepsTheLastValueThatCouldBeEvaluated() {
    AggregateDefinition def = define("{channels: [c], fields: {note: 'last(data.note)', latest: 'last(data)'}}");
    JsonObject totals = fold(def, events(note("a"), note("b"), n(1))).get("");
    assertThat(totals.getValue("note")).isEqualTo("b");
    assertThat(totals.getValue("latest")).isEqualTo(n(1));
  }

  @Test
  void groupByFoldsEachEventIntoItsGroupAndIntoTheTotals() {
    AggregateDefinition def = define("{channels: [c], groupBy: data.option, fields: {votes: 'count()', weight: 'sum(data.w)'}}");
    AggregateFold fold = AggregateFold.ofStored(def, events(vote("yes", 5), vote("yes", 2), vote("no", 9), n(1)));
    assertThat(fold.groups()).containsExactly("", "no", "yes"); // the lock order: always the same
    Map<String, JsonObject> values = fold.apply(Map.of(), Map.of());
    assertThat(values.keySet()).containsExactlyInAnyOrder("", "no", "yes");
    assertThat(values.get("yes")).isEqualTo(new JsonObject().put("votes", 2L).put("weight", 7L));
    assertThat(values.get("no")).isEqualTo(new JsonObject().put("votes", 1L).put("weight", 9L));
    assertThat(values.get("")).isEqualTo(new JsonObject().put("votes", 4L).put("weight", 16L)); // with the one without a group
  }

  @Test
  void groupsThatCannotNameAChannelAreCountedInTheTotalsOnlyWhenEachGroupHasItsChannel() {
    List<Event> events = events(user("42"), user("a b"), user("42"));
    AggregateDefinition perUser =
        define("{channels: [c], groupBy: data.userId, channel: 'user:{group}', fields: {n: 'count()'}}");
    AggregateFold fold = AggregateFold.ofStored(perUser, events);
    assertThat(fold.groups()).containsExactly("", "42");
    Map<String, JsonObject> values = fold.apply(Map.of(), Map.of());
    assertThat(values.get("").getLong("n")).isEqualTo(3);
    assertThat(values.get("42").getLong("n")).isEqualTo(2);

    AggregateDefinition shared = define("{channels: [c], groupBy: data.userId, fields: {n: 'count()'}}");
    assertThat(AggregateFold.ofStored(shared, events).groups()).containsExactly("", "42", "a b");
  }

  @Test
  void goalFieldsSayWhatRemainsAndHowFarAlongItIs() {
    AggregateDefinition def = define("{channels: [c], fields: {sold: 'sum(data.batchCount)'},"
        + " goal: {field: sold, target: 27900, remaining: remainingBatches, percent: percentSold}}");
    JsonObject totals = fold(def, events(batches(3), batches(4))).get("");
    assertThat(totals.getLong("remainingBatches")).isEqualTo(27893);
    assertThat(totals.getValue("percentSold")).isEqualTo(0.03);
  }

  @Test
  void goalRemainingStopsAtZeroAndPercentAtOneHundred() {
    AggregateDefinition def = define("{channels: [c], fields: {n: 'sum(data.n)'}, goal: {field: n, target: 10}}");
    AggregateFold seven = AggregateFold.ofStored(def, events(n(7)));
    JsonObject partial = seven.apply(Map.of(), Map.of()).get("");
    assertThat(partial.getLong("remaining")).isEqualTo(3);
    assertThat(partial.getValue("percent")).isEqualTo(70.0);
    JsonObject over = seven.apply(Map.of("", partial), Map.of()).get("");
    assertThat(over.getLong("n")).isEqualTo(14);
    assertThat(over.getLong("remaining")).isZero();
    assertThat(over.getValue("percent")).isEqualTo(100.0);
  }

  @Test
  void withoutEventsOrStoredRowsTheValuesAreTheInitialOnes() {
    AggregateDefinition def = define("{channels: [c], fields: {n: 'count()', s: 'sum(data.n)', d: 'distinctCount(data.u)',"
        + " lo: 'min(data.n)', hi: 'max(data.n)', l: 'last(data)'}, goal: {field: s, target: 4}}");
    Map<String, JsonObject> values = AggregateFold.ofStored(def, List.of()).apply(Map.of(), Map.of());
    JsonObject initial = new JsonObject().put("n", 0L).put("s", 0L).put("d", 0L).putNull("lo").putNull("hi").putNull("l")
        .put("remaining", 4L).put("percent", 0.0);
    assertThat(values).containsOnlyKeys("");
    assertThat(values.get("")).isEqualTo(initial);
    assertThat(FieldArithmetic.initial(def)).isEqualTo(initial);
  }

  @Test
  void theStoredValuesAreContinuedAndLeftAsTheyWere() {
    AggregateDefinition def = define("{channels: [c], groupBy: data.option, fields: {votes: 'count()', w: 'max(data.w)'}}");
    JsonObject stored = new JsonObject("{\"votes\":5,\"w\":8}"); // as read back from the row
    Map<String, JsonObject> values = AggregateFold.ofStored(def, events(vote("yes", 9))).apply(Map.of("", stored), Map.of());
    assertThat(values.get("")).isEqualTo(new JsonObject().put("votes", 6L).put("w", 9L));
    assertThat(values.get("yes")).isEqualTo(new JsonObject().put("votes", 1L).put("w", 9L));
    assertThat(stored).isEqualTo(new JsonObject().put("votes", 5).put("w", 8));
  }

  @Test
  void distinctValuesAreListedPerGroupAndOnlyTheNewlySeenAreCounted() {
    AggregateDefinition def = define("{channels: [c], groupBy: data.option, fields: {voters: 'distinctCount(data.u)'}}");
    AggregateFold fold = AggregateFold.ofStored(def, events(voter("alice", "yes"), voter("bob", "yes"), voter("alice", "no"),
        new JsonObject().put("option", "no")));
    assertThat(fold.distinctValues()).containsExactly(
        new DistinctValue("", "voters", "\"alice\""), new DistinctValue("yes", "voters", "\"alice\""),
        new DistinctValue("", "voters", "\"bob\""), new DistinctValue("yes", "voters", "\"bob\""),
        new DistinctValue("", "voters", "\"alice\""), new DistinctValue("no", "voters", "\"alice\""));
    // the database had seen alice in the totals already: bob is the only new voter there
    Map<String, JsonObject> values = fold.apply(Map.of("", new JsonObject().put("voters", 1)),
        Map.of(new DistinctKey("", "voters"), 1L, new DistinctKey("yes", "voters"), 2L, new DistinctKey("no", "voters"), 1L));
    assertThat(values.get("").getLong("voters")).isEqualTo(2);
    assertThat(values.get("yes").getLong("voters")).isEqualTo(2);
    assertThat(values.get("no").getLong("voters")).isEqualTo(1);
  }

  /** An aggregate declared as herald.yaml would (in YAML's flow style). */
  private static AggregateDefinition define(String yaml) {
    try {
      return AggregateDefinition.parse("test", new JsonObject(YAML.readValue(yaml, MAP)));
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(e);
    }
  }

  private static Map<String, JsonObject> fold(AggregateDefinition def, List<Event> events) {
    return AggregateFold.ofStored(def, events).apply(Map.of(), Map.of());
  }

  private static List<Event> events(JsonObject... data) {
    Event[] events = new Event[data.length];
    for (int i = 0; i < data.length; i++) {
      events[i] = new Event("c", i + 1, "e" + i, "t", data[i].encode(), Instant.EPOCH);
    }
    return List.of(events);
  }

  private static JsonObject n(Number n) {
    return new JsonObject().put("n", n);
  }

  private static JsonObject note(String note) {
    return new JsonObject().put("note", note);
  }

  private static JsonObject batches(int count) {
    return new JsonObject().put("batchCount", count);
  }

  private static JsonObject vote(String option, int weight) {
    return new JsonObject().put("option", option).put("w", weight);
  }

  private static JsonObject voter(String user, String option) {
    return new JsonObject().put("u", user).put("option", option);
  }

  private static JsonObject user(String id) {
    return new JsonObject().put("userId", id);
  }
}
