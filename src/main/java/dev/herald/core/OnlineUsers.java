package dev.herald.core;

import io.vertx.core.Future;
import java.util.Collection;
import java.util.Set;

/** Which of some users have a socket open on some node (presence knows); what a feature asks before it reaches a user elsewhere. */
@FunctionalInterface
public interface OnlineUsers {

  Future<Set<String>> of(Collection<String> users);
}
