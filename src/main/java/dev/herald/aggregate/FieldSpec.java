package dev.herald.aggregate;

import dev.cel.common.CelErrorCode;
import dev.cel.common.CelOptions;
import dev.cel.common.CelValidationException;
import dev.cel.common.CelValidationResult;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One computed field of an aggregate, written {@code fn(expr)}: count, sum, min, max,
 * distinctCount or last, over a CEL expression of the event ({@code data}, {@code type},
 * {@code channel}, {@code id}) or, for an aggregate over a collection, of the document
 * ({@code doc}). {@code count()} counts events (documents); {@code count(expr)} those where expr
 * is true.
 */
record FieldSpec(String name, Kind kind, CelRuntime.Program expr, String source) {

  enum Kind { COUNT, SUM, MIN, MAX, DISTINCT_COUNT, LAST;

    /** Whether a value once folded in can be taken back out (a document changed or deleted): counts and sums only. */
    boolean retractable() {
      return this == COUNT || this == SUM;
    }
  }

  /** What an aggregate's expressions read: an event, or a document of a collection. */
  enum Scope { EVENT, DOCUMENT }

  private static final Pattern CALL = Pattern.compile("\\s*(count|sum|min|max|distinctCount|last)\\s*\\((.*)\\)\\s*");
  static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
      .addVar("data", SimpleType.DYN)
      .addVar("type", SimpleType.STRING)
      .addVar("channel", SimpleType.STRING)
      .addVar("id", SimpleType.STRING)
      .build();
  static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();
  /** Documents mix whole numbers and decimals freely ({@code doc.stock < doc.threshold} with 3 and 2.5): compared across types. */
  private static final CelOptions DOC_OPTIONS = CelOptions.current().enableHeterogeneousNumericComparisons(true).build();
  private static final CelCompiler DOC_COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
      .setOptions(DOC_OPTIONS)
      .addVar("doc", SimpleType.DYN)
      .build();
  private static final CelCompiler DOC_FILTER_COMPILER = DOC_COMPILER.toCompilerBuilder().setResultType(SimpleType.BOOL).build();
  private static final CelRuntime DOC_RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(DOC_OPTIONS).build();

  static FieldSpec parse(String name, String text, String where, Scope scope) {
    Matcher m = CALL.matcher(text == null ? "" : text);
    if (!m.matches()) {
      throw new IllegalArgumentException(where + ": '" + text
          + "' is not fn(expression) with fn one of count, sum, min, max, distinctCount, last");
    }
    Kind kind = switch (m.group(1)) {
      case "count" -> Kind.COUNT;
      case "sum" -> Kind.SUM;
      case "min" -> Kind.MIN;
      case "max" -> Kind.MAX;
      case "distinctCount" -> Kind.DISTINCT_COUNT;
      default -> Kind.LAST;
    };
    String inner = m.group(2).trim();
    if (inner.isEmpty() && kind != Kind.COUNT) {
      throw new IllegalArgumentException(where + ": " + m.group(1) + "() needs an expression, e.g. " + m.group(1) + "(data.amount)");
    }
    return new FieldSpec(name, kind, inner.isEmpty() ? null : compile(inner, where, scope), text.trim());
  }

  static CelRuntime.Program compile(String expression, String where, Scope scope) {
    return scope == Scope.EVENT ? compile(COMPILER, RUNTIME, expression, where) : compile(DOC_COMPILER, DOC_RUNTIME, expression, where);
  }

  /** A collection aggregate's filter: a CEL condition over {@code doc}. */
  static CelRuntime.Program compileFilter(String expression, String where) {
    return compile(DOC_FILTER_COMPILER, DOC_RUNTIME, expression, where);
  }

  private static CelRuntime.Program compile(CelCompiler compiler, CelRuntime runtime, String expression, String where) {
    try {
      CelValidationResult compiled = compiler.compile(expression);
      if (compiled.hasError()) {
        throw new IllegalArgumentException(where + ": invalid CEL '" + expression + "': " + compiled.getErrorString());
      }
      return runtime.createProgram(compiled.getAst());
    } catch (CelValidationException | CelEvaluationException e) {
      throw new IllegalArgumentException(where + ": invalid CEL '" + expression + "': " + e.getMessage(), e);
    }
  }

  /**
   * The expression's value for an event, or null when it cannot be evaluated (a missing field, a
   * value of another type: the event does not count for it). An integer overflow is the input's
   * fault, not a missing value: it throws ArithmeticException.
   */
  static Object eval(CelRuntime.Program program, Map<String, Object> event) {
    try {
      return program.eval(event);
    } catch (CelEvaluationException e) {
      if (e.getErrorCode() == CelErrorCode.NUMERIC_OVERFLOW) {
        throw new ArithmeticException(e.getMessage());
      }
      return null;
    }
  }
}
