// The receiving process of the cost scenario (forked by bench.mjs with --expose-gc, driven over IPC):
//   {cmd:'start', kind, port, channel, clients, warmupEvents, events, tokenSecret?}
//       opens the clients (sdk, official or socketio), answers {type:'ready'} once all subscribed
//   then the orchestrator publishes warmupEvents events; when every client has had all of them this
//   process runs a full GC, takes process.cpuUsage() and answers {type:'warm'}; the orchestrator then
//   publishes `events` more; when every client has had those too it answers {type:'done', ...}:
//   CPU (user, system) of this process between the two points, wall time, deliveries, and per
//   client checks (missing, duplicates, out of order by the server's order key).
//   {cmd:'close'}: closes the clients and exits.
// Every client's handler does the same small thing whatever the kind: count, check order.
import { open } from './clients.mjs';
import { dieWithParent, jwt, sleep } from './common.mjs';

dieWithParent();
const clients = [];
let warm = 0;
let done = 0;
let cpu0;
let t0;
let elu0;
let W;
let M;

process.on('message', async (m) => {
  try {
    if (m.cmd === 'start') await start(m);
    else if (m.cmd === 'close') {
      for (const c of clients) c.client.close();
      await sleep(200);
      process.exit(0);
    }
  } catch (e) {
    process.send({ type: 'error', message: String(e?.stack ?? e) });
  }
});

async function start({ kind, port, channel, clients: n, warmupEvents, events, tokenSecret }) {
  W = warmupEvents;
  M = events;
  let subscribed = 0;
  for (let i = 0; i < n; i++) {
    const c = { count: 0, dups: 0, ooo: 0, ep: -1, seq: 0, maxN: 0, seen: new Uint8Array(W + M + 2), subscribed: false };
    c.client = open(kind, {
      port, channel,
      token: tokenSecret ? jwt(tokenSecret, `cost-${i}`) : undefined,
      onConnect: () => {
        if (!c.subscribed) {
          c.subscribed = true;
          if (++subscribed === n) process.send({ type: 'ready' });
        }
      },
      onEvent: (num, epoch, seq) => {
        if (num >= c.seen.length || c.seen[num]) { c.dups++; return; }
        c.seen[num] = 1;
        if (epoch < c.ep || (epoch === c.ep && seq <= c.seq)) c.ooo++;
        else { c.ep = epoch; c.seq = seq; }
        const k = ++c.count;
        if (k === W && ++warm === n) mark();
        if (k === W + M && ++done === n) finish(kind);
      },
    });
    clients.push(c);
    if (i % 25 === 24) await sleep(20);
  }
  setInterval(() => { // for the orchestrator's diagnostics when something never arrives
    let min = Infinity;
    let connected = 0;
    const stats = {};
    for (const c of clients) {
      min = Math.min(min, c.count);
      if (c.client.isConnected()) connected++;
      for (const [k, v] of Object.entries(c.client.stats)) if (typeof v === 'number') stats[k] = (stats[k] ?? 0) + v; else if (v) stats.lastError = v;
    }
    process.send({ type: 'progress', subscribed, connected, warm, done, fewestEvents: min, stats });
  }, 1000).unref();
}

function mark() {
  if (global.gc) global.gc(); // the warm-up's garbage is not the measured events' cost
  t0 = performance.now();
  elu0 = performance.eventLoopUtilization();
  cpu0 = process.cpuUsage();
  process.send({ type: 'warm' });
}

function finish(kind) {
  const cpu = process.cpuUsage(cpu0);
  const wallMs = performance.now() - t0;
  const elu = performance.eventLoopUtilization(elu0);
  const stats = {};
  let dups = 0;
  let ooo = 0;
  let missing = 0;
  for (const c of clients) {
    dups += c.dups;
    ooo += c.ooo;
    missing += W + M - c.count;
    for (const [k, v] of Object.entries(c.client.stats)) if (typeof v === 'number') stats[k] = (stats[k] ?? 0) + v;
  }
  process.send({
    type: 'done', kind, clients: clients.length, deliveries: clients.length * M,
    cpuUserUs: cpu.user, cpuSystemUs: cpu.system, wallMs, eventLoopUtilization: elu.utilization,
    heapUsedBytes: process.memoryUsage().heapUsed, duplicates: dups, outOfOrder: ooo, missing, stats,
  });
}
