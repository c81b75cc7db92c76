// Many SDK clients in one process, for the cluster chaos suite: client i is user swarm-{i} on
// transport websocket (even i) or sockjs (odd i), subscribed to {CHANNEL_PREFIX}{i % CHANNELS}
// from seq 0 and to the chat room {ROOM_PREFIX}{i % CHANNELS} (so it is in that room's presence).
// Prints "connected" once every client is, "progress N" (events seen, all clients) every second,
// and then one JSON line: totals, ok (every client saw seq 1..COUNT exactly once, in order) and the
// clients that did not, once every client has or at TIMEOUT_MS. The clients stay connected (in
// their rooms' presence) until stdin closes.
// Env: HERALD_URL, HERALD_JWT_SECRET, CLIENTS, CHANNELS, CHANNEL_PREFIX, ROOM_PREFIX, COUNT, TIMEOUT_MS.
import WebSocket from 'ws';
import { connect } from '../herald.js';
import { jwt } from './support.mjs';

const env = process.env;
const clients = Number(env.CLIENTS);
const channels = Number(env.CHANNELS);
const count = Number(env.COUNT);

const swarm = Array.from({ length: clients }, (_, i) => {
  const transport = i % 2 === 0 ? 'websocket' : 'sockjs';
  const herald = connect(env.HERALD_URL, {
    WebSocket, token: jwt(`swarm-${i}`, 3600), transports: [transport], backoffMinMs: 100, backoffMaxMs: 2000,
    pingIntervalMs: 5000, pingTimeoutMs: 5000,
  });
  const c = { i, transport, herald, received: 0, duplicates: 0, outOfOrder: 0, last: 0, seen: new Set(), reconnects: 0 };
  herald.on('state', (s) => { if (s === 'reconnecting') c.reconnects++; });
  herald.subscribe(`${env.CHANNEL_PREFIX}${i % channels}`, (e) => {
    c.received++;
    if (c.seen.has(e.seq)) c.duplicates++;
    c.seen.add(e.seq);
    if (e.seq !== c.last + 1) c.outOfOrder++;
    c.last = e.seq;
  }, { since: 0 });
  herald.subscribe(`${env.ROOM_PREFIX}${i % channels}`, () => {});
  return c;
});

const complete = (c) => c.seen.size === count && c.received === count;
let announced = false;
const ticker = setInterval(() => {
  if (!announced && swarm.every((c) => c.herald.state === 'connected')) {
    announced = true;
    console.log('connected');
  }
  console.log(`progress ${swarm.reduce((n, c) => n + c.received, 0)}`);
  if (swarm.every(complete)) finish(1000); // anything still arriving then would be a duplicate
}, 1000);
const timer = setTimeout(() => finish(0), Number(env.TIMEOUT_MS));

process.stdin.on('end', () => {
  swarm.forEach((c) => c.herald.close());
  process.exit(0);
}).resume();

function finish(settleMs) {
  clearInterval(ticker);
  clearTimeout(timer);
  setTimeout(() => {
    const sum = (f) => swarm.reduce((n, c) => n + f(c), 0);
    console.log(JSON.stringify({
      ok: swarm.every(complete), clients, received: sum((c) => c.received), duplicates: sum((c) => c.duplicates), outOfOrder: sum((c) => c.outOfOrder),
      reconnects: sum((c) => c.reconnects), complete: swarm.filter(complete).length,
      incomplete: swarm.filter((c) => !complete(c)).slice(0, 20)
        .map((c) => ({ i: c.i, transport: c.transport, state: c.herald.state, received: c.received, distinct: c.seen.size, last: c.last })),
    }));
  }, settleMs);
}
