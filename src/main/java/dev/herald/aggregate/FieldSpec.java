package dev.herald.aggregate;

import dev.cel.common.CelErrorCode;
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
 * {@code channel}, {@code id}). {@code count()} counts events; {@code count(expr)} those where
 * expr is true.
 */
record FieldSpec(String name, Kind kind, CelRuntime.Program expr, String source) {

  enum Kind { COUNT, SUM, MIN, MAX, DISTINCT_COUNT, LAST }

  private static final Pattern CALL = Pattern.compile("\\s*(count|sum|min|max|distinctCount|last)\\s*\\((.*)\\)\\s*");
  static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
      .addVar("data", SimpleType.DYN)
      .addVar("type", SimpleType.STRING)
      .addVar("channel", SimpleType.STRING)
      .addVar("id", SimpleType.STRING)
      .build();
  static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  static FieldSpec parse(String name, String text, String where) {
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
    return new FieldSpec(name, kind, inner.isEmpty() ? null : compile(inner, where), text.trim());
  }

  static CelRuntime.Program compile(String expression, String where) {
    try {
      CelValidationResult compiled = COMPILER.compile(expression);
      if (compiled.hasError()) {
        throw new IllegalArgumentException(where + ": invalid CEL '" + expression + "': " + compiled.getErrorString());
      }
      return RUNTIME.createProgram(compiled.getAst());
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
