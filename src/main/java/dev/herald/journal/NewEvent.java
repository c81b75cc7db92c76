package dev.herald.journal;

/**
 * An event as a publisher gives it, its data already as JSON text; {@code clientId} is false when
 * the server made up the id.
 */
public record NewEvent(String channel, String id, boolean clientId, String type, String dataJson) {
}
