package dev.herald.webhooks;

import dev.herald.core.HeraldException;
import dev.herald.core.Digests;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.function.Function;

/**
 * Whether a delivery comes from its source: the HMAC-SHA256 of the raw body (hex, {@code sha256=}
 * prefixed) or the bearer secret, compared in constant time, and the timestamp within the source's
 * skew when it has one. A failure is a 401 naming what was wrong, before the body is parsed.
 */
final class SignatureCheck {

  private SignatureCheck() {
  }

  static void verify(WebhookSource source, Function<String, String> header, byte[] body, Instant now) {
    if (source.auth() == WebhookSource.Auth.BEARER) {
      String given = header.apply("Authorization");
      if (given == null || !given.startsWith("Bearer ")) {
        throw refused("missing_signature", "send the source's secret as Authorization: Bearer <secret>");
      }
      if (!MessageDigest.isEqual(given.substring(7).getBytes(StandardCharsets.UTF_8), source.secret())) {
        throw refused("bad_signature", "the bearer secret does not match this source's");
      }
    } else {
      String given = header.apply(source.signatureHeader());
      if (given == null || !given.startsWith("sha256=")) {
        throw refused("missing_signature", source.signatureHeader() + ": sha256=<hex HMAC-SHA256 of the body> is required");
      }
      byte[] expected = Digests.hmacSha256Hex(source.secret(), body).getBytes(StandardCharsets.US_ASCII);
      byte[] sent = given.substring(7).toLowerCase().getBytes(StandardCharsets.US_ASCII);
      if (!MessageDigest.isEqual(sent, expected)) {
        throw refused("bad_signature", "the signature does not match the body and this source's secret");
      }
    }
    if (source.maxSkew() != null) {
      String ts = header.apply(source.timestampHeader());
      long seconds;
      try {
        seconds = Long.parseLong(ts == null ? "" : ts.trim());
      } catch (NumberFormatException e) {
        throw refused("missing_timestamp", source.timestampHeader() + ": the send time in unix seconds is required");
      }
      if (Math.abs(now.getEpochSecond() - seconds) > source.maxSkew().toSeconds()) {
        throw refused("stale_timestamp", source.timestampHeader() + " is more than " + source.maxSkew().toSeconds()
            + " s from this node's clock: a replay, or a clock to fix");
      }
    }
  }

  private static HeraldException refused(String code, String message) {
    return new HeraldException(401, code, message);
  }
}
