package dev.herald.core;

import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.http.ConnectionPoolTooBusyException;
import io.vertx.pgclient.PgException;
import io.vertx.sqlclient.ClosedConnectionException;
import java.net.ConnectException;
import org.junit.jupiter.api.Test;

/** How a database failure reaches the client: 503 when it is away or busy, 400 for refused input, 500 for a bug. */
class DatabaseErrorsTest {

  @Test
  void aDatabaseAwayOrBusyIsUnavailableAndSaysWhenToComeBack() {
    for (Throwable t : new Throwable[] {new ConnectionPoolTooBusyException("full"), ClosedConnectionException.INSTANCE,
        new ConnectException("refused"), pg("57P01"), pg("08006"), pg("3D000"), pg("53300"), pg("40P01"), pg("25006")}) {
      HeraldException e = HeraldException.from(t);
      assertThat(e.status()).as(t.toString()).isEqualTo(503);
      assertThat(e.code()).isEqualTo("unavailable");
      assertThat(e.retryAfterSeconds()).isPositive();
    }
  }

  @Test
  void refusedValuesAreInputAndBugsAreInternal() {
    assertThat(DatabaseErrors.refusedInput(pg("22021"))).isTrue();
    assertThat(DatabaseErrors.refusedInput(pg("22P05"))).isTrue();
    assertThat(DatabaseErrors.refusedInput(pg("54000"))).isTrue();
    assertThat(DatabaseErrors.refusedInput(pg("23502"))).isTrue();
    assertThat(DatabaseErrors.refusedInput(pg("23505"))).isFalse(); // the idempotency index: retried
    assertThat(DatabaseErrors.retryable(pg("23505"))).isTrue();
    assertThat(DatabaseErrors.retryable(pg("40001"))).isTrue();
    assertThat(DatabaseErrors.refusedInput(new IllegalStateException())).isFalse();
    assertThat(HeraldException.from(pg("42P01")).status()).isEqualTo(500);
    assertThat(HeraldException.from(new NullPointerException()).status()).isEqualTo(500);
    assertThat(HeraldException.from(new NullPointerException()).retryAfterSeconds()).isZero();
  }

  @Test
  void theDescriptionIsPostgresWordsWithoutTheStatement() {
    String detail = "\\u0000 cannot be converted to text.";
    PgException e = new PgException("unsupported Unicode escape sequence", "ERROR", "22P05", detail);
    assertThat(DatabaseErrors.describe(e)).isEqualTo("unsupported Unicode escape sequence (" + detail + ")");
    assertThat(DatabaseErrors.describe(new PgException("x".repeat(1000), "ERROR", "22000", null))).hasSizeLessThan(310);
  }

  private static PgException pg(String state) {
    return new PgException("message", "ERROR", state, null);
  }
}
