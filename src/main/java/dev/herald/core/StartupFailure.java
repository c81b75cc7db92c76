package dev.herald.core;

/**
 * A reason the node cannot start that the operator can act on, said as what is wrong and, in
 * parentheses, what to do. {@code Herald.main} prints it as the only line on stderr and exits 1:
 * a stack trace would tell an operator less, so the cause is kept for the log's debug level only.
 */
public final class StartupFailure extends RuntimeException {

  public StartupFailure(String problem, String remedy, Throwable cause) {
    super(problem + " (" + remedy + ")", cause);
  }

  /** The innermost cause's message: what actually happened under the layers that wrapped it. */
  public static String rootMessage(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    return root.getMessage() != null ? root.getMessage() : root.getClass().getSimpleName();
  }
}
