/**
 * Every place Herald reaches past the public API of Vert.x (or Netty), and nothing else: the rest of
 * the code base imports no {@code io.vertx.*.impl} or {@code io.vertx.*.internal} package and never
 * calls Netty's {@code Channel.unsafe()} (FenceTest scans for both). Vert.x may change any of these
 * in a minor release, so each reach is named here with the reason it exists:
 *
 * <ul>
 *   <li>{@link dev.herald.internals.EventLoopContexts#current()}: {@code ContextInternal.unwrap()}, the
 *       event-loop context under the duplicate context Vert.x gives every HTTP request. The hub groups
 *       sockets by context, one write task per event loop; the public API only shows the duplicate.
 *   <li>{@link dev.herald.internals.EventLoopContexts#emit}: {@code ContextInternal.emit}, which runs a
 *       handler at once, with its context made current, when called on the context's thread, as
 *       Vert.x's own connections hand their events on; {@code Context.runOnContext} always queues a
 *       task, which would cost one per WebSocket frame read.
 *   <li>{@link dev.herald.internals.RequestThread}: {@code HttpServerRequestInternal.context()} and its
 *       executor, to write a response on its request's thread (the HTTP server runs in strict thread
 *       mode); the public API cannot tell which context a request belongs to.
 *   <li>{@link dev.herald.internals.Http1Channel}: {@code ConnectionBase.channelHandlerContext()}, the
 *       Netty channel of an HTTP/1 connection and Vert.x's handler in its pipeline, which Herald's
 *       WebSockets replace; and the pipeline's layout, Netty's HTTP codec ahead of that handler (which
 *       Netty's WebSocket handshaker relies on) and no WebSocket extension handler.
 * </ul>
 *
 * <p>Every node checks the layout at start-up ({@link dev.herald.internals.Http1PipelineCheck}, from
 * {@code Herald.start}) and refuses to start with one sentence saying what changed. On a Vert.x
 * upgrade: run this package's tests and the bridge's WebSocket tests (RawWebSocketTest,
 * SockJsWebSocketTest, SlowSubscriberTest), and re-read the Vert.x sources behind each item above:
 * that {@code unwrap()} still gives the loop's one context, that {@code emit} still dispatches in
 * place on the context's thread, that a request's context is still its connection's.
 */
package dev.herald.internals;
