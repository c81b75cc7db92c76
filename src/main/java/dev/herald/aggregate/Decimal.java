package dev.herald.aggregate;

import java.math.BigDecimal;
import java.math.BigInteger;

/**
 * An exact decimal as aggregates keep and answer it. JSON encoders (Jackson, so Vert.x's) write a
 * {@link Number} they do not know by its {@code toString}, which here is the plain digits: a sum reads
 * {@code 123456789012345678901234567890.25} or {@code 0.00000003}, never {@code 1.2E+29} nor a string.
 *
 * <p>Numbers an aggregate keeps are bounded ({@link #keepable}): within ±1e300, with at most 300
 * decimal places. That keeps every value printable in a few hundred digits, far inside PostgreSQL's
 * numeric (jsonb) and Java's BigDecimal, and sums of them exact however many events there are; a
 * JavaScript client still reads any sum below 1.8e308 as a finite double.
 */
final class Decimal extends Number {

  static final BigDecimal MAX = BigDecimal.ONE.scaleByPowerOfTen(300);
  static final int MAX_SCALE = 300;
  static final String BOUND = "numbers must be within ±1e300 with at most " + MAX_SCALE + " decimal places";

  private static final long serialVersionUID = 1L;
  private static final BigDecimal LONG_MIN = BigDecimal.valueOf(Long.MIN_VALUE);
  private static final BigDecimal LONG_MAX = BigDecimal.valueOf(Long.MAX_VALUE);

  /** Without trailing zeros; may have a negative scale (1E+3): printed in plain digits only when encoded. */
  private final BigDecimal value;

  private Decimal(BigDecimal value) {
    this.value = value;
  }

  /** The number as JSON shows it: a Long when it is a whole number that fits, else a Decimal. */
  static Number json(BigDecimal d) {
    BigDecimal stripped = d.signum() == 0 ? BigDecimal.ZERO : d.stripTrailingZeros();
    boolean whole = stripped.scale() <= 0 && stripped.precision() - stripped.scale() <= 19;
    if (whole && stripped.compareTo(LONG_MIN) >= 0 && stripped.compareTo(LONG_MAX) <= 0) {
      return stripped.longValueExact();
    }
    return new Decimal(stripped);
  }

  /** The exact value of a JSON or CEL number (a finite double by its shortest decimal), else null. */
  static BigDecimal of(Object value) {
    if (value instanceof Decimal d) {
      return d.value;
    }
    if (value instanceof Long || value instanceof Integer || value instanceof Short || value instanceof Byte) {
      return BigDecimal.valueOf(((Number) value).longValue());
    }
    if (value instanceof Double || value instanceof Float) {
      double d = ((Number) value).doubleValue();
      return Double.isFinite(d) ? new BigDecimal(Double.toString(d)) : null;
    }
    if (value instanceof BigDecimal d) {
      return d;
    }
    if (value instanceof BigInteger i) {
      return new BigDecimal(i);
    }
    return null;
  }

  /** Within the bound aggregates keep. Cheap for any input: no digits are expanded. */
  static boolean keepable(BigDecimal d) {
    return d.abs().compareTo(MAX) <= 0 && (d.signum() == 0 || d.stripTrailingZeros().scale() <= MAX_SCALE);
  }

  @Override
  public String toString() {
    return value.toPlainString();
  }

  @Override
  public int intValue() {
    return value.intValue();
  }

  @Override
  public long longValue() {
    return value.longValue();
  }

  @Override
  public float floatValue() {
    return value.floatValue();
  }

  @Override
  public double doubleValue() {
    return value.doubleValue();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Decimal d && d.value.equals(value);
  }

  @Override
  public int hashCode() {
    return value.hashCode();
  }
}
