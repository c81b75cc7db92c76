package dev.herald.testing;

import dev.herald.core.Digests;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** What a Hiro Chainhook indexer sends: the sample block the node ships, and its signature header. */
public final class Chainhook {

  private Chainhook() {
  }

  /** The sample delivery (resources/dev/chainhook-block.json: a stream created, an NFT listed, another sold). */
  public static String fixture() {
    try (InputStream in = Chainhook.class.getResourceAsStream("/dev/chainhook-block.json")) {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** X-Signature for this body: sha256= and the hex HMAC-SHA256 with the source's secret. */
  public static String signature(String secret, String body) {
    return "sha256=" + Digests.hmacSha256Hex(secret.getBytes(StandardCharsets.UTF_8), body.getBytes(StandardCharsets.UTF_8));
  }
}
