package dev.herald.documents;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import dev.herald.core.CelValues;
import dev.herald.core.Identity;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;

/**
 * CEL over {@code auth} (the caller's claims) and {@code doc} (a document), for row rules and live
 * query filters alike. An expression that cannot be evaluated for a document (it reads a field the
 * document lacks) is false for it, never an error.
 */
final class DocCel {

  /**
   * Numbers compare by value across CEL's types: a document's 7500.25 is a double and 5000 in
   * {@code doc.amount >= 5000} an int, which standard CEL would refuse to compare (an error, so the
   * document would silently never match).
   */
  private static final CelOptions OPTIONS = CelOptions.current().enableHeterogeneousNumericComparisons(true).build();
  private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
      .setOptions(OPTIONS)
      .addVar("auth", MapType.create(SimpleType.STRING, SimpleType.DYN))
      .addVar("doc", MapType.create(SimpleType.STRING, SimpleType.DYN))
      .setResultType(SimpleType.BOOL)
      .build();
  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(OPTIONS).build();

  /** A compiled expression and its checked syntax tree (live queries read equality conditions from it). */
  record Compiled(CelAbstractSyntaxTree ast, CelRuntime.Program program) {

    boolean test(Map<String, Object> auth, Object doc) {
      try {
        return Boolean.TRUE.equals(program.eval(Map.of("auth", auth, "doc", doc)));
      } catch (CelEvaluationException e) {
        return false;
      }
    }
  }

  private DocCel() {
  }

  /** Compiles, or throws IllegalArgumentException with CEL's message. */
  static Compiled compile(String source) {
    try {
      CelValidationResult compiled = COMPILER.compile(source);
      if (compiled.hasError()) {
        throw new IllegalArgumentException(compiled.getErrorString());
      }
      return new Compiled(compiled.getAst(), RUNTIME.createProgram(compiled.getAst()));
    } catch (CelValidationException | CelEvaluationException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /**
   * The caller as rules see it: its claims, with {@code roles} an empty list when the token has
   * none, so {@code 'admin' in auth.roles} is simply false for a customer token without roles.
   */
  @SuppressWarnings("unchecked")
  static Map<String, Object> auth(Identity who) {
    Map<String, Object> claims = (Map<String, Object>) CelValues.of(who.claims());
    claims.putIfAbsent("roles", List.of());
    return claims;
  }

  /** A document as rules see it. */
  static Object doc(JsonObject doc) {
    return CelValues.of(doc);
  }
}
