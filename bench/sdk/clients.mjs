// The three kinds of subscribing client the benchmarks drive, behind one small interface:
//   open(kind, {port, channel, token, sdkOptions, onEvent(n, epoch, seq), onConnect(info)})
//     -> {close(), isConnected(), stats}
// onEvent gets the publisher's number n (data.n) and the order key the server gave the event
// (Herald: epoch 0 and the channel seq; the Socket.IO peer: its process epoch and per-room seq).
//   sdk       Herald's JS SDK (clients/js/herald.js) on a `ws` WebSocket: herald.subscribe(channel, h, {since: 0})
//   official  @vertx/eventbus-bridge-client.js 1.0.0 on sockjs-client 1.6.1 (websocket transport), registerHandler with since 0
//   socketio  socket.io-client 4.8 (websocket transport, its own Manager per client): "join" the room, events "event"
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';
import WebSocket from 'ws';

const require = createRequire(import.meta.url);
// run-sdk.sh hands every process the same copy of the SDK (HERALD_SDK_MODULE), taken when the run started
const sdkModule = process.env.HERALD_SDK_MODULE ? pathToFileURL(process.env.HERALD_SDK_MODULE) : new URL('../../clients/js/herald.js', import.meta.url);
const { connect } = await import(sdkModule);

export function open(kind, opts) {
  switch (kind) {
    case 'sdk': return sdk(opts);
    case 'official': return official(opts);
    case 'socketio': return socketio(opts);
    default: throw new Error(`unknown client kind ${kind}`);
  }
}

function sdk({ port, channel, token, sdkOptions = {}, onEvent, onConnect = () => {} }) {
  const stats = { connects: 0, reconnecting: 0, socketsOpened: 0, discontinuities: 0, errors: 0, authErrors: 0, lastError: null };
  class CountingWebSocket extends WebSocket { // how many connection attempts the SDK makes
    constructor(...args) {
      super(...args);
      stats.socketsOpened++;
    }
  }
  const herald = connect(`http://127.0.0.1:${port}`, { WebSocket: CountingWebSocket, token, ...sdkOptions });
  herald.on('state', (s) => {
    if (s === 'connected') {
      stats.connects++;
      onConnect({ recovered: null });
    } else if (s === 'reconnecting') stats.reconnecting++;
  });
  herald.on('discontinuity', () => stats.discontinuities++);
  herald.on('transport', (t) => { stats[`transport_${t}`] = (stats[`transport_${t}`] ?? 0) + 1; });
  herald.on('error', (e) => { stats.errors++; stats.lastError = String(e?.message ?? e); });
  herald.on('auth_error', (e) => { stats.authErrors++; stats.lastError = String(e?.message ?? e); });
  herald.subscribe(channel, (e) => onEvent(e.data.n, 0, e.seq), { since: 0 });
  return { stats, isConnected: () => herald.state === 'connected', close: () => herald.close() };
}

function official({ port, channel, token, onEvent, onConnect = () => {} }) {
  const EventBus = require('@vertx/eventbus-bridge-client.js');
  const stats = { connects: 0, errors: 0, lastError: null };
  const eb = new EventBus(`http://127.0.0.1:${port}/eventbus?token=${encodeURIComponent(token)}`, { transports: ['websocket'] });
  let open = false;
  eb.onerror = (err) => { stats.errors++; stats.lastError = JSON.stringify(err)?.slice(0, 200) ?? String(err); };
  eb.onclose = () => { open = false; };
  eb.onopen = () => {
    open = true;
    stats.connects++;
    eb.registerHandler(channel, { since: 0 }, (err, msg) => {
      if (err) {
        stats.errors++;
        stats.lastError = JSON.stringify(err).slice(0, 200);
        return;
      }
      onEvent(msg.body.data.n, 0, msg.body.seq);
    });
    onConnect({ recovered: null });
  };
  return { stats, isConnected: () => open, close: () => { try { eb.close(); } catch { /* closed */ } } };
}

function socketio({ port, channel, onEvent, onConnect = () => {} }) {
  const { io } = require('socket.io-client');
  const stats = { connects: 0, recovered: 0, notRecovered: 0, reconnectAttempts: 0, joins: 0, errors: 0, lastError: null };
  // forceNew: a Manager (so a WebSocket) per client, as in separate browsers; reconnection: library defaults
  const socket = io(`http://127.0.0.1:${port}`, { transports: ['websocket'], forceNew: true });
  socket.io.on('reconnect_attempt', () => stats.reconnectAttempts++);
  socket.on('connect_error', (e) => { stats.errors++; stats.lastError = String(e?.message ?? e); });
  socket.on('connect', () => {
    const reconnect = stats.connects++ > 0;
    if (reconnect) {
      if (socket.recovered) stats.recovered++;
      else stats.notRecovered++;
    }
    if (!socket.recovered) { // a recovered session keeps its rooms; a new one joins again
      socket.emit('join', channel, () => {
        stats.joins++;
        onConnect({ recovered: false });
      });
    } else {
      onConnect({ recovered: true });
    }
  });
  socket.on('event', (p) => onEvent(p.data.n, p.epoch, p.seq));
  return { stats, isConnected: () => socket.connected, close: () => socket.close() };
}
