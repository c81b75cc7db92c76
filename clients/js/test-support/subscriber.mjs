// Subscribes with the SDK and reports what its handler saw: progress lines while it runs, then
// one JSON line {received, duplicates, outOfOrder, first, last}. Used by SdkRestartTest, which
// restarts the node under it. Env: HERALD_URL, HERALD_TOKEN, CHANNEL, COUNT, TIMEOUT_MS, TRANSPORTS
// (the transports to use, in order).
import WebSocket from 'ws';
import { connect } from '../herald.js';

const count = Number(process.env.COUNT);
const herald = connect(process.env.HERALD_URL, {
  WebSocket, token: process.env.HERALD_TOKEN, backoffMinMs: 100, backoffMaxMs: 1000,
  transports: (process.env.TRANSPORTS ?? 'websocket,sockjs,polling').split(','), pollIntervalMs: 100,
  pingIntervalMs: 2000, pingTimeoutMs: 2000,
});
const seen = new Set();
let received = 0;
let duplicates = 0;
let outOfOrder = 0;
let last = 0;
let first = null;
herald.on('state', (s) => console.log(`state ${s}`));
herald.on('transport', (t) => console.log(`transport ${t}`));
herald.subscribe(process.env.CHANNEL, (e) => {
  received++;
  if (seen.has(e.seq)) duplicates++;
  seen.add(e.seq);
  if (e.seq !== last + 1) outOfOrder++;
  first ??= e.seq;
  last = e.seq;
  if (received % 250 === 0) console.log(`progress ${received}`);
  if (seen.size === count) finish(0);
}, { since: 0 });

const timer = setTimeout(() => finish(1), Number(process.env.TIMEOUT_MS ?? 120000));

function finish(code) {
  clearTimeout(timer);
  setTimeout(() => { // anything still arriving would be a duplicate
    console.log(JSON.stringify({ received, duplicates, outOfOrder, first, last, distinct: seen.size }));
    herald.close();
    process.exit(code);
  }, code === 0 ? 500 : 0);
}
