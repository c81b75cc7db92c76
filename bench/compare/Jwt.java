import java.nio.charset.StandardCharsets;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/** HS256 JSON Web Tokens for Herald's user channels (sub = the user id), valid for an hour. */
final class Jwt {

  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private final byte[] secret;

  Jwt(String secret) {
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
  }

  String sign(String subject) {
    return sign(subject, null);
  }

  /** A token whose roles claim holds {@code role} (none when null). */
  String sign(String subject, String role) {
    long now = System.currentTimeMillis() / 1000;
    String header = b64("{\"alg\":\"HS256\",\"typ\":\"JWT\"}");
    String claims = b64("{\"sub\":" + Frames.quote(subject) + (role == null ? "" : ",\"roles\":[" + Frames.quote(role) + "]")
        + ",\"iat\":" + now + ",\"exp\":" + (now + 3600) + "}");
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] sig = mac.doFinal((header + "." + claims).getBytes(StandardCharsets.US_ASCII));
      return header + "." + claims + "." + B64.encodeToString(sig);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String b64(String json) {
    return B64.encodeToString(json.getBytes(StandardCharsets.UTF_8));
  }
}
