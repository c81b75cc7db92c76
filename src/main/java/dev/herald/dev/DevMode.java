package dev.herald.dev;

import dev.herald.core.HeraldConfig;
import dev.herald.core.StartupFailure;
import io.vertx.core.json.DecodeException;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Development mode: a node started with no keys at all is usable on localhost at once. It makes a
 * JWT secret, an API key and a chainhook secret for its data dir (kept in a file there, so tokens
 * and scripts keep working across restarts), says where in one log line (never the secrets), and
 * serves {@code POST /dev/token} ({@link DevModule}). A clustered node never enters it by itself:
 * production must not get a token endpoint by accident.
 */
public final class DevMode {

  static final String FILE = "dev-credentials.json";
  private static final Logger LOG = LoggerFactory.getLogger(DevMode.class);
  private static final SecureRandom RANDOM = new SecureRandom();

  private DevMode() {
  }

  /** Whether a node with this config runs in development mode (see herald.yaml's {@code dev}). */
  static boolean enabled(HeraldConfig config) {
    return switch (config.dev()) {
      case "true" -> true;
      case "false" -> false;
      case "auto" -> !config.cluster() && config.apiKeys().isBlank()
          && config.jwt().getString("secret", "").isBlank() && config.jwt().getString("publicKey", "").isBlank();
      default -> throw new StartupFailure("dev is '" + config.dev() + "'", "set HERALD_DEV to auto, true or false", null);
    };
  }

  /**
   * The config the node runs with. In development mode: what is not configured (the JWT secret, the
   * API keys, the chainhook source's secret) comes from the data dir's credentials file, made the
   * first time, and {@code dev} is {@code true} (so the node mounts {@link DevModule}). Otherwise
   * the config as it is, with {@code dev} false.
   */
  public static HeraldConfig apply(HeraldConfig config) {
    if (!enabled(config)) {
      return config.merged(new JsonObject().put("dev", "false"));
    }
    Path file = Path.of(config.dataDir()).resolve(FILE);
    JsonObject credentials = load(file);
    JsonObject overrides = new JsonObject().put("dev", "true");
    if (config.jwt().getString("secret", "").isBlank()) {
      overrides.put("jwt", new JsonObject().put("secret", credentials.getString("jwtSecret")));
    }
    if (config.apiKeys().isBlank()) {
      overrides.put("apiKeys", credentials.getString("apiKey"));
    }
    JsonObject chainhook = config.webhooks().getJsonObject("chainhook");
    if (chainhook != null && chainhook.getString("secret", "").isBlank()) {
      overrides.put("webhooks", new JsonObject().put("chainhook", new JsonObject().put("secret", credentials.getString("chainhookSecret"))));
    }
    LOG.info("development mode: the generated JWT secret, API key and chainhook secret are in {}; POST /dev/token "
        + "gives tokens (set HERALD_JWT_SECRET and HERALD_API_KEYS, or HERALD_DEV=false, for production)", file.toAbsolutePath().normalize());
    return config.merged(overrides);
  }

  /** The data dir's credentials, made (readable by this user only) when there are none yet. */
  private static JsonObject load(Path file) {
    try {
      if (Files.isRegularFile(file)) {
        JsonObject stored = new JsonObject(Files.readString(file));
        if (stored.getString("jwtSecret") != null && stored.getString("apiKey") != null && stored.getString("chainhookSecret") != null) {
          return stored;
        }
        throw new StartupFailure(file + " lacks jwtSecret, apiKey or chainhookSecret", "delete it: the node makes a new one", null);
      }
      JsonObject made = new JsonObject().put("jwtSecret", secret()).put("apiKey", "dev-" + secret())
          .put("chainhookSecret", secret()).put("note", "development mode only: Herald made these for this data dir");
      Files.createDirectories(file.getParent());
      Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      Files.writeString(file, made.encodePrettily(), StandardCharsets.UTF_8, StandardOpenOption.WRITE);
      return made;
    } catch (DecodeException e) {
      throw new StartupFailure(file + " is not JSON", "delete it: the node makes a new one", e);
    } catch (IOException e) {
      throw new StartupFailure("cannot keep development credentials in " + file + ": " + e.getMessage(),
          "make the data dir (HERALD_DATA_DIR) writable, or configure HERALD_JWT_SECRET and HERALD_API_KEYS", e);
    }
  }

  /** 32 random bytes, URL-safe base64. */
  private static String secret() {
    byte[] bytes = new byte[32];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }
}
