package dev.herald.presence;

/** One user on one channel: what presence counts, types and announces by. */
record Key(String channel, String userId) {
}
