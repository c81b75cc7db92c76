package dev.herald.module;

import dev.herald.core.Identity;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * A {@code herald.*} address on the bridge: a {@code send} frame's body in, the reply body out
 * (any JSON value), or a failure (a {@code HeraldException} becomes the err frame). May throw
 * instead of failing the future.
 */
@FunctionalInterface
public interface BridgeService {

  Future<?> serve(BridgeSession socket, Identity who, JsonObject body);
}
