package dev.herald.bridge;

import dev.herald.core.Identity;

/**
 * What a socket keeps per subscription: the identity it was granted under, so that it can be
 * checked again when that identity expires or herald.auth replaces the socket's. A node holds
 * hundreds of thousands of these: two fields and a flag, nothing else. Guarded by the socket's
 * subscription map.
 */
final class Subscription {

  /** Made with a token of its own (headers.token on the register frame): keeps that token's identity, not the socket's. */
  final boolean ownToken;
  Identity who;
  /** The listeners have heard of it (its replay is queued): they hear of a change of identity too. */
  boolean live;

  Subscription(Identity who, boolean ownToken) {
    this.who = who;
    this.ownToken = ownToken;
  }
}
