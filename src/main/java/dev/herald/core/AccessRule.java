package dev.herald.core;

import dev.cel.common.CelValidationResult;
import dev.cel.common.types.MapType;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import java.util.Map;

/**
 * One permission rule of a namespace: {@code anyone}, {@code authenticated}, {@code nobody}
 * (API keys only) or a CEL expression over {@code auth} (the token's claims) and {@code channel}.
 */
public abstract class AccessRule {

  private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder()
      .addVar("auth", MapType.create(SimpleType.STRING, SimpleType.DYN))
      .addVar("channel", SimpleType.STRING)
      .setResultType(SimpleType.BOOL)
      .build();
  private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().build();

  /** Throws 401 when a token would be needed, 403 when the identity is known but not allowed. */
  public final void check(Identity who, String channel, String action) {
    if (who.isServer() || allows(who, channel)) {
      return;
    }
    if (who.isAnonymous()) {
      throw HeraldException.unauthorized("a valid token is required to " + action + " " + channel);
    }
    throw HeraldException.forbidden("this token may not " + action + " " + channel);
  }

  protected abstract boolean allows(Identity who, String channel);

  public static AccessRule parse(String text, String where) {
    return switch (text == null ? "nobody" : text.trim()) {
      case "anyone" -> new Fixed(who -> true);
      case "authenticated" -> new Fixed(who -> !who.isAnonymous());
      case "nobody" -> new Fixed(who -> false);
      default -> new Expression(text.trim(), where);
    };
  }

  private static final class Fixed extends AccessRule {
    private final java.util.function.Predicate<Identity> test;

    Fixed(java.util.function.Predicate<Identity> test) {
      this.test = test;
    }

    @Override
    protected boolean allows(Identity who, String channel) {
      return test.test(who);
    }
  }

  private static final class Expression extends AccessRule {
    private final CelRuntime.Program program;

    Expression(String source, String where) {
      try {
        CelValidationResult compiled = COMPILER.compile(source);
        if (compiled.hasError()) {
          throw new IllegalArgumentException(where + ": invalid CEL rule '" + source + "': " + compiled.getErrorString());
        }
        this.program = RUNTIME.createProgram(compiled.getAst());
      } catch (dev.cel.common.CelValidationException | CelEvaluationException e) {
        throw new IllegalArgumentException(where + ": invalid CEL rule '" + source + "': " + e.getMessage(), e);
      }
    }

    @Override
    protected boolean allows(Identity who, String channel) {
      try {
        // A rule that reads a claim the token lacks fails to evaluate: that is a "no", not an error.
        return Boolean.TRUE.equals(program.eval(Map.of("auth", CelValues.of(who.claims()), "channel", channel)));
      } catch (CelEvaluationException e) {
        return false;
      }
    }
  }
}
