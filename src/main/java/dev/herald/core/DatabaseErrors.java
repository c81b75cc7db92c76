package dev.herald.core;

import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.io.IOException;
import java.util.Set;

/**
 * What a failure from PostgreSQL (or from the way to it) means for the caller: the database is out of
 * reach or overloaded (503, try again), it refused the data it was given (the caller's input), or a
 * conflict worth retrying. Anything else is a bug (500). SQLSTATE classes are PostgreSQL's appendix A.
 */
public final class DatabaseErrors {

  /**
   * Connection exception, invalid transaction state (a read-only standby after a fail-over),
   * authorization, unknown database, rollback (deadlock, serialization), insufficient resources,
   * object not in prerequisite state (lock not available), operator intervention (shutdown, cancel),
   * system error (I/O).
   */
  private static final Set<String> UNREACHABLE_CLASSES = Set.of("08", "25", "28", "3D", "40", "53", "55", "57", "58");
  /** Data exception, integrity constraint violation, program limit exceeded (e.g. an index row too large). */
  private static final Set<String> INPUT_CLASSES = Set.of("22", "23", "54");
  private static final String UNIQUE_VIOLATION = "23505";
  private static final int MAX_DESCRIPTION = 300;
  /** What Vert.x's connection pool fails with once closed (a bare message, no exception type of its own). */
  private static final String POOL_CLOSED = "Pool closed";

  private DatabaseErrors() {
  }

  /** A 503 for a database that is out of reach or overloaded, or null when the failure is something else. */
  static HeraldException unavailable(Throwable t) {
    if (t instanceof ConnectionPoolTooBusyException) {
      return HeraldException.unavailable("too many requests are waiting for the database; try again shortly");
    }
    if (POOL_CLOSED.equals(t.getMessage())) { // Vert.x's pool, closed: this node is shutting down
      return Drain.refusal();
    }
    boolean unreachable = t instanceof ClosedConnectionException || t instanceof IOException
        || t instanceof PgException pg && UNREACHABLE_CLASSES.contains(sqlClass(pg));
    return unreachable ? HeraldException.unavailable("the database is not reachable right now; try again shortly") : null;
  }

  /** A unique violation (another writer stored the same key first) or a deadlock/serialization failure: run it again. */
  public static boolean retryable(Throwable t) {
    return t instanceof PgException pg && (UNIQUE_VIOLATION.equals(pg.getSqlState()) || "40".equals(sqlClass(pg)));
  }

  /** PostgreSQL refused the values it was given (not the statement, not the connection): the same input fails again. */
  public static boolean refusedInput(Throwable t) {
    return t instanceof PgException pg && INPUT_CLASSES.contains(sqlClass(pg)) && !UNIQUE_VIOLATION.equals(pg.getSqlState());
  }

  /**
   * Why one unit of work failed on its own: values PostgreSQL refused are a 400 with {@code code}
   * ("{@code refuser}: " and PostgreSQL's words); anything else as {@link HeraldException#from}
   * (a 500 there is a bug, for the caller to log).
   */
  public static HeraldException refusal(Throwable cause, String code, String refuser) {
    if (refusedInput(cause)) {
      return HeraldException.badRequest(code, refuser + ": " + describe(cause));
    }
    return HeraldException.from(cause);
  }

  /** What PostgreSQL refused, in its words (its message and detail, never the SQL), for the client who sent it. */
  public static String describe(Throwable t) {
    if (!(t instanceof PgException pg)) {
      return "the value was refused";
    }
    String text = pg.getDetail() == null ? pg.getErrorMessage() : pg.getErrorMessage() + " (" + pg.getDetail() + ")";
    return text.length() > MAX_DESCRIPTION ? text.substring(0, MAX_DESCRIPTION) + "..." : text;
  }

  private static String sqlClass(PgException pg) {
    String state = pg.getSqlState();
    return state == null || state.length() < 2 ? "" : state.substring(0, 2);
  }
}
