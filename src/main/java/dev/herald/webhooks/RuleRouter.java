package dev.herald.webhooks;

import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.herald.core.CelValues;
import dev.herald.core.ChannelName;
import dev.herald.journal.NewEvent;
import dev.herald.module.DocumentChanges;
import io.vertx.core.json.Json;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A source's own routing rules, CEL over {@code payload}: each rule {@code {when?, channel, type,
 * id?, data?, upsert?}} whose {@code when} holds makes one event ({@code data} defaults to the
 * payload, {@code id} to {@code {deliveryId}:{rule index}}) and, with {@code upsert: {collection,
 * id, doc}}, merges {@code doc} into that document when the event is new. A payload no rule takes, or a rule that cannot
 * be evaluated for it, is unroutable: the delivery goes to the dead-letter list.
 */
final class RuleRouter implements WebhookRouter {

  private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
      .addVar("payload", SimpleType.DYN).build();
  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  private record Rule(CelRuntime.Program when, CelRuntime.Program channel, CelRuntime.Program type,
      CelRuntime.Program id, CelRuntime.Program data, Upsert upsert) {
  }

  /** A document the rule's event merges {@code doc} into: in {@code collection}, at id {@code id} (both CEL). */
  private record Upsert(String collection, CelRuntime.Program id, CelRuntime.Program doc) {
  }

  private final List<Rule> rules = new ArrayList<>();

  RuleRouter(JsonArray conf, String where) {
    for (int i = 0; i < conf.size(); i++) {
      JsonObject r = conf.getJsonObject(i);
      String at = where + "[" + i + "]";
      if (r.getString("channel") == null || r.getString("type") == null) {
        throw new IllegalArgumentException(at + ": a rule needs channel and type (CEL over payload)");
      }
      Upsert upsert = null;
      if (r.getValue("upsert") instanceof JsonObject u) {
        if (u.getString("collection") == null || u.getString("id") == null || u.getString("doc") == null) {
          throw new IllegalArgumentException(at + ".upsert: {collection, id, doc} (id and doc CEL over payload)");
        }
        upsert = new Upsert(u.getString("collection"), compile(u.getString("id"), at + ".upsert.id"),
            compile(u.getString("doc"), at + ".upsert.doc"));
      }
      rules.add(new Rule(compile(r.getString("when"), at + ".when"), compile(r.getString("channel"), at + ".channel"),
          compile(r.getString("type"), at + ".type"), compile(r.getString("id"), at + ".id"),
          compile(r.getString("data"), at + ".data"), upsert));
    }
  }

  @Override
  public Set<String> requiredCollections() {
    Set<String> collections = new HashSet<>();
    rules.forEach(r -> {
      if (r.upsert() != null) {
        collections.add(r.upsert().collection());
      }
    });
    return collections;
  }

  @Override
  public Routed route(JsonObject payload, String deliveryId) {
    Map<String, Object> vars = Map.of("payload", CelValues.of(payload));
    List<NewEvent> events = new ArrayList<>();
    List<DocEffect> documents = new ArrayList<>();
    for (int i = 0; i < rules.size(); i++) {
      Rule rule = rules.get(i);
      if (rule.when() != null && !Boolean.TRUE.equals(eval(rule.when(), vars, i, "when"))) {
        continue;
      }
      String channel = text(eval(rule.channel(), vars, i, "channel"), i, "channel");
      if (!ChannelName.isValid(channel)) {
        throw new Unroutable("rule " + i + " gives channel '" + channel + "', which is not a channel name");
      }
      String type = text(eval(rule.type(), vars, i, "type"), i, "type");
      String id = rule.id() == null ? deliveryId + ":" + i : text(eval(rule.id(), vars, i, "id"), i, "id");
      Object data = rule.data() == null ? payload : CelValues.json(eval(rule.data(), vars, i, "data"));
      events.add(new NewEvent(channel, id, true, type, Json.encode(data)));
      if (rule.upsert() != null) {
        String docId = text(eval(rule.upsert().id(), vars, i, "upsert.id"), i, "upsert.id");
        if (!(CelValues.json(eval(rule.upsert().doc(), vars, i, "upsert.doc")) instanceof JsonObject doc)) {
          throw new Unroutable("rule " + i + " upsert.doc does not give an object for this payload");
        }
        documents.add(new DocEffect(id, new DocumentChanges.Change(DocumentChanges.Kind.MERGE, rule.upsert().collection(), docId, doc),
            null));
      }
    }
    if (events.isEmpty()) {
      throw new Unroutable("no rule of this source takes this payload");
    }
    return new Routed(events, documents);
  }

  private static Object eval(CelRuntime.Program program, Map<String, Object> vars, int rule, String what) {
    try {
      return program.eval(vars);
    } catch (CelEvaluationException e) {
      throw new Unroutable("rule " + rule + " " + what + " cannot be evaluated for this payload: " + e.getMessage());
    }
  }

  private static String text(Object value, int rule, String what) {
    if (!(value instanceof String s) || s.isEmpty()) {
      throw new Unroutable("rule " + rule + " " + what + " gives " + value + ", not a non-empty string");
    }
    return s;
  }

  private static CelRuntime.Program compile(String source, String where) {
    if (source == null) {
      return null;
    }
    try {
      CelValidationResult compiled = COMPILER.compile(source);
      if (compiled.hasError()) {
        throw new IllegalArgumentException(where + ": invalid CEL '" + source + "': " + compiled.getErrorString());
      }
      return RUNTIME.createProgram(compiled.getAst());
    } catch (CelValidationException | CelEvaluationException e) {
      throw new IllegalArgumentException(where + ": invalid CEL '" + source + "': " + e.getMessage(), e);
    }
  }
}
