// Issue #18's cluster benchmarks, on clusters run by deploy/cluster.sh (see bench/run-cluster.sh):
//
//   bus    bytes between nodes per published event, at 2, 3 and 4 nodes and 1 or 100 channels, every
//          channel followed on every node: the Vert.x event bus (the broadcasts) and Hazelcast
//          (membership, subscriptions), each measured over a window with publishes and an idle one,
//          from the kernel's per-socket counters (ss) of the sockets between two node processes
//   crash  through nginx, SDK clients over three nodes at a steady publish rate; one node is killed
//          (SIGKILL): how long until each of its clients is connected again and has every event
//          acknowledged before it came back, and how many events any client missed or saw twice
//
// Prints the report (JSON) on stdout. Env: BENCH_WORK (a dir for the clusters), BENCH_QUICK.
import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { connect } from '../../clients/js/herald.js';
import { dist, jwt, log, now, request, resetConnections, round, sleep } from '../sdk/common.mjs';

const WebSocket = createRequire(new URL('../sdk/', import.meta.url))('ws');
const ROOT = new URL('../../', import.meta.url).pathname;
const quick = Boolean(process.env.BENCH_QUICK);
const API_KEY = `bench-${Math.random().toString(36).slice(2)}`;
const JWT_SECRET = `bench-secret-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;

let clusterCount = 0;

/** deploy/cluster.sh in a state dir of its own; answers {http, node(i), run(args, extraEnv)}. */
function cluster(nodes) {
  clusterCount++;
  const base = 20000 + Math.floor(Math.random() * 20000);
  const env = {
    ...process.env, HERALD_DEPLOY_DIR: `${process.env.BENCH_WORK}/cluster-${clusterCount}`,
    HERALD_DEPLOY_HTTP_PORT: String(base), HERALD_DEPLOY_HTTPS_PORT: String(base + 1),
    HERALD_DEPLOY_NODE_PORT: String(base + 10), HERALD_DEPLOY_PG_PORT: String(base + 2),
    HERALD_CLUSTER_NAME: `bench-${process.pid}-${clusterCount}`, HERALD_API_KEYS: API_KEY, HERALD_JWT_SECRET: JWT_SECRET,
  };
  const run = (args, extra = {}) => execFileSync('bash', [`${ROOT}deploy/cluster.sh`, ...args],
    { env: { ...env, ...extra }, stdio: ['ignore', 'ignore', 'inherit'] });
  run(['start', String(nodes)]);
  return { http: base, node: (i) => base + 10 + i - 1, run, state: env.HERALD_DEPLOY_DIR };
}

function nodePids(state) {
  return execFileSync('bash', ['-c', `cat ${state}/node-*.pid`]).toString().trim().split('\n').map(Number);
}

/**
 * Bytes sent so far on the sockets between two of these processes (each direction counted once, by
 * its sender), split into Hazelcast's (a 57xx member port at one end) and the event bus's.
 */
function busBytes(pids) {
  const mine = new Set(pids);
  const sockets = execFileSync('ss', ['-tinpH', 'state', 'established']).toString().split('\n');
  const rows = [];
  for (let k = 0; k < sockets.length; k++) {
    const m = /^\d+\s+\d+\s+(\S+):(\d+)\s+(\S+):(\d+)\s+users:.*?pid=(\d+)/.exec(sockets[k]);
    if (!m) continue;
    const info = sockets[k + 1] ?? '';
    const sent = /bytes_sent:(\d+)/.exec(sockets[k].concat(' ', info));
    rows.push({ local: Number(m[2]), peer: Number(m[4]), pid: Number(m[5]), sent: sent ? Number(sent[1]) : 0 });
  }
  const ownedPorts = new Set(rows.filter((r) => mine.has(r.pid)).map((r) => r.local));
  const totals = { hazelcast: 0, bus: 0 };
  for (const r of rows) {
    if (!mine.has(r.pid) || !ownedPorts.has(r.peer)) continue; // not between two nodes
    const hazelcast = (r.local >= 5701 && r.local <= 5800) || (r.peer >= 5701 && r.peer <= 5800);
    totals[hazelcast ? 'hazelcast' : 'bus'] += r.sent;
  }
  return totals;
}

const diff = (a, b) => ({ hazelcast: b.hazelcast - a.hazelcast, bus: b.bus - a.bus });

async function publish(port, channel, n) {
  const body = { type: 'n', data: { n }, id: `${channel}-${n}` };
  for (;;) {
    try {
      const r = await request(port, 'POST', `/api/v1/channels/${channel}/events`, { headers: { 'x-api-key': API_KEY }, body });
      if (r.status === 201 || r.status === 200) return JSON.parse(r.body).seq;
    } catch { /* refused or cut: the same id again */ }
    await sleep(100);
  }
}

function sdk(port, user, transports = ['websocket']) {
  return connect(`http://127.0.0.1:${port}`, {
    WebSocket, token: jwt(JWT_SECRET, user), transports, backoffMinMs: 100, backoffMaxMs: 2000, pingIntervalMs: 5000, pingTimeoutMs: 5000,
  });
}

const until = async (predicate, timeoutMs) => {
  const end = Date.now() + timeoutMs;
  while (!predicate()) {
    if (Date.now() > end) throw new Error('timed out');
    await sleep(50);
  }
};

/**
 * Hazelcast bytes per channel a node starts following (its first subscriber there registers the
 * channel's address in the cluster-wide subscription map, which every node keeps a copy of).
 */
async function registrationCost(c, pids, nodes) {
  const channels = 200;
  const client = sdk(c.node(2), 'registrar');
  await until(() => client.state === 'connected', 30000);
  await sleep(1000);
  const idle0 = busBytes(pids);
  await sleep(3000);
  const idle = diff(idle0, busBytes(pids));
  const before = busBytes(pids);
  const started = now();
  for (let k = 0; k < channels; k++) client.subscribe(`market:reg-${nodes}-${k}`, () => {});
  await sleep(3000);
  const elapsed = (now() - started) / 1000;
  const spent = diff(before, busBytes(pids));
  client.close();
  return {
    nodes, channels,
    hazelcast_bytes_per_registration: round((spent.hazelcast - (idle.hazelcast / 3) * elapsed) / channels),
    bus_bytes_per_registration: round((spent.bus - (idle.bus / 3) * elapsed) / channels),
  };
}

async function busScenario() {
  const results = [];
  const registrations = [];
  const events = quick ? 1000 : 3000;
  const rate = 500;
  for (const nodes of [2, 3, 4]) {
    log(`bus: ${nodes} nodes`);
    const c = cluster(nodes);
    const pids = nodePids(c.state);
    try {
      for (const channels of [1, 100]) {
        const clients = [];
        let delivered = 0;
        for (let i = 1; i <= nodes; i++) {
          const client = sdk(c.node(i), `bus-${i}`);
          for (let k = 0; k < channels; k++) client.subscribe(`market:bus-${channels}-${k}`, () => { delivered++; });
          clients.push(client);
        }
        await until(() => clients.every((x) => x.state === 'connected'), 30000);
        await sleep(2000); // registrations spread over the cluster
        const seconds = events / rate;
        const idle0 = busBytes(pids);
        await sleep(seconds * 1000);
        const idle = diff(idle0, busBytes(pids));
        const before = busBytes(pids);
        const started = now();
        let n = 0;
        const inFlight = [];
        while (n < events) {
          const due = started + (n * 1000) / rate;
          if (now() < due) await sleep(due - now());
          n++;
          inFlight.push(publish(c.node(1), `market:bus-${channels}-${n % channels}`, n));
        }
        await Promise.all(inFlight);
        await until(() => delivered >= events * nodes, 30000);
        const elapsed = (now() - started) / 1000;
        const busy = diff(before, busBytes(pids));
        const idleRate = { hazelcast: idle.hazelcast / seconds, bus: idle.bus / seconds };
        results.push({
          nodes, channels, events, window_s: round(elapsed, 2),
          bus_bytes_per_event: round((busy.bus - idleRate.bus * elapsed) / events),
          hazelcast_bytes_per_event: round((busy.hazelcast - idleRate.hazelcast * elapsed) / events),
          idle_bytes_per_s: { bus: round(idleRate.bus), hazelcast: round(idleRate.hazelcast) },
          deliveries: delivered,
        });
        log(`  ${JSON.stringify(results.at(-1))}`);
        clients.forEach((x) => x.close());
        await sleep(1000);
      }
      registrations.push(await registrationCost(c, pids, nodes));
    } finally {
      c.run(['stop']);
      resetConnections();
    }
  }
  return {
    what: 'bytes between nodes per event published on node 1, with one subscriber per node on every channel; '
      + 'idle traffic over a window as long measured first and subtracted',
    results,
    registrations,
  };
}

async function crashScenario() {
  const clientsCount = quick ? 150 : 300;
  const channels = 10;
  const rate = 100; // events/s over all channels
  const c = cluster(3);
  try {
    log(`crash: ${clientsCount} clients through nginx`);
    let killedAt;
    const acked = new Array(channels).fill(0);
    const clients = Array.from({ length: clientsCount }, (_, i) => {
      const x = { i, channel: `market:crash-${i % channels}`, seen: new Set(), received: 0, last: 0, outOfOrder: 0 };
      x.herald = sdk(c.http, `crash-${i}`, [i % 2 ? 'sockjs' : 'websocket']);
      x.herald.on('state', (s) => {
        if (s === 'reconnecting' && x.lostAt === undefined && killedAt !== undefined) x.lostAt = now();
        if (s === 'connected' && x.lostAt !== undefined && x.backAt === undefined) {
          x.backAt = now();
          x.needed = acked[i % channels]; // every event acknowledged before it came back
          if (x.last >= x.needed) x.caughtUpAt = x.backAt;
        }
      });
      x.herald.subscribe(x.channel, (e) => {
        x.received++;
        x.seen.add(e.seq);
        if (e.seq !== x.last + 1) x.outOfOrder++;
        x.last = e.seq;
        if (x.backAt !== undefined && x.caughtUpAt === undefined && e.seq >= x.needed) x.caughtUpAt = now();
      }, { since: 0 });
      return x;
    });
    await until(() => clients.every((x) => x.herald.state === 'connected'), 60000);
    const total = (quick ? 20 : 40) * rate;
    const started = now();
    const inFlight = [];
    let n = 0;
    while (n < total) {
      const due = started + (n * 1000) / rate;
      if (now() < due) await sleep(due - now());
      n++;
      const k = n % channels;
      inFlight.push(publish(c.http, `market:crash-${k}`, n).then((seq) => { acked[k] = Math.max(acked[k], seq); }));
      if (n === 10 * rate) {
        c.run(['stop-node', '1'], { KILL: '1' });
        killedAt = now();
        log('crash: node 1 killed');
      }
    }
    await Promise.all(inFlight);
    const perChannel = total / channels;
    await until(() => clients.every((x) => x.seen.size >= perChannel), 120000).catch(() => {});
    const affected = clients.filter((x) => x.lostAt !== undefined);
    const report = {
      what: 'SDK clients (half WebSocket, half SockJS) through nginx over 3 nodes, 10 channels, '
        + `${rate} events/s published through nginx; node 1 SIGKILLed after 10 s`,
      clients: clientsCount, events: total,
      clients_of_killed_node: affected.length,
      back_connected_ms: dist(affected.map((x) => x.backAt - killedAt)),
      caught_up_ms: dist(affected.map((x) => (x.caughtUpAt ?? x.backAt) - killedAt)),
      missing: clients.reduce((s, x) => s + (perChannel - x.seen.size), 0),
      duplicates: clients.reduce((s, x) => s + (x.received - x.seen.size), 0),
      out_of_order: clients.reduce((s, x) => s + x.outOfOrder, 0),
    };
    clients.forEach((x) => x.herald.close());
    return report;
  } finally {
    c.run(['stop']);
  }
}

const report = { benchmark: 'cluster', started_at: new Date().toISOString(), quick };
report.bus = await busScenario();
report.crash = await crashScenario();
console.log(JSON.stringify(report, null, 1));
process.exit(0);
