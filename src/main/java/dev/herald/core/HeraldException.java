package dev.herald.core;

import io.vertx.core.json.JsonObject;

/**
 * A failure the client should see: an HTTP-like status, a stable machine code and a sentence.
 * REST turns it into {"error":{code,message}}, the bridge into an err frame.
 */
public final class HeraldException extends RuntimeException {

  private final int status;
  private final String code;
  /** When the client may try again (a 429's Retry-After), in seconds; 0 when the error says nothing of it. */
  private final long retryAfter;
  /** Fields a REST answer carries beside "error" (a 409's current document); null when none. */
  private final JsonObject details;

  public HeraldException(int status, String code, String message) {
    this(status, code, message, 0, null);
  }

  private HeraldException(int status, String code, String message, long retryAfterSeconds,
      JsonObject details) {
    super(message, null, false, false);
    this.status = status;
    this.code = code;
    this.retryAfter = retryAfterSeconds;
    this.details = details;
  }

  /** A 409 whose REST answer also carries {@code details}' fields (e.g. {"current": doc}). */
  public static HeraldException conflict(String code, String message, JsonObject details) {
    return new HeraldException(409, code, message, 0, details);
  }

  /**
   * The same failure with a prefix to its message (which item of a batch it was: "write 2: "),
   * keeping everything else it carries.
   */
  public HeraldException prefixed(String prefix) {
    return new HeraldException(status, code, prefix + getMessage(), retryAfter, details);
  }

  /** What a REST answer carries beside "error", or null. */
  public JsonObject details() {
    return details;
  }

  public int status() {
    return status;
  }

  public String code() {
    return code;
  }

  public static HeraldException badRequest(String code, String message) {
    return new HeraldException(400, code, message);
  }

  public static HeraldException unauthorized(String message) {
    return new HeraldException(401, "unauthorized", message);
  }

  public static HeraldException forbidden(String message) {
    return new HeraldException(403, "forbidden", message);
  }

  public static HeraldException notFound(String message) {
    return new HeraldException(404, "not_found", message);
  }

  public static HeraldException tooLarge(String message) {
    return new HeraldException(413, "too_large", message);
  }

  /** A 429: the client asked too often; it may try again after that many seconds. */
  public static HeraldException rateLimited(String code, String message, long retryAfterSeconds) {
    return new HeraldException(429, code, message, retryAfterSeconds, null);
  }

  public static HeraldException unavailable(String message) {
    return new HeraldException(503, "unavailable", message);
  }

  /**
   * Seconds a client should wait before trying again (REST sends it as Retry-After), or 0 when trying
   * again will not help: a 429 says when its bucket refills; a 503 means the node or its database is
   * busy or out of reach for now.
   */
  public long retryAfterSeconds() {
    return retryAfter > 0 ? retryAfter : status == 503 ? 1 : 0;
  }

  /**
   * What the client is told about any failure: a HeraldException as it is, a database that is out of
   * reach or overloaded as 503 (see {@link DatabaseErrors}), anything else as a 500 with a generic
   * sentence (details go to the log only).
   */
  public static HeraldException from(Throwable t) {
    if (t instanceof HeraldException he) {
      return he;
    }
    HeraldException unavailable = DatabaseErrors.unavailable(t);
    return unavailable != null ? unavailable
        : new HeraldException(500, "internal", "internal error; the server logged the details");
  }
}
