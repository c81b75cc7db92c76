// Issue #17's benchmarks for Herald's JS SDK, with the peer measured in the same run. Started by
// bench/run-sdk.sh (which makes the work dir and cleans up after it); everything on 127.0.0.1.
//
//   cost   CPU time of one receiving node process per delivered event: C clients on one channel,
//          W warm-up events, then M measured events at a fixed rate; process.cpuUsage() of that
//          process only, from when every client had the warm-up (after a full GC) until every
//          client had the M events. Clients: Herald's SDK, the official event-bus bridge client
//          (SockJS), both against Herald; socket.io-client 4.8 against the Socket.IO 4.8 peer.
//   storm  N clients over P node processes on one channel while a publisher sends R events/s (each
//          with an id, retried until acknowledged); after a warm-up the server is stopped (SIGTERM,
//          then in a second round SIGKILL) and started again on the same port (Herald: the same data
//          dir). Per client: events missing and duplicated at the handlers, out of order, and when it
//          caught up. Herald's SDK vs socket.io-client against the Socket.IO peer with connection
//          state recovery on.
//
// Options (defaults in parentheses, --quick ones in brackets):
//   --scenarios cost,storm   --quick
//   --clients 1000 [200] --procs 4 [2] --rate 25 --warmup-s 10 [5] --after-s 15 [12] --stops term,kill
//   --storm-targets herald,socketio   --sdk-backoff-min-ms / --sdk-backoff-max-ms (the SDK's own: 250 / 10000)
//   --cost-clients 100 --cost-warmup 300 [100] --cost-events 500 [200] --cost-rate 100 --cost-repeats 2 [1]
//   --cost-kinds sdk,official,socketio
//   --jar PATH --work DIR --out FILE --label TEXT --api-key K --jwt-secret S (given by run-sdk.sh)
import { fork, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { dist, log, median, now, request, resetConnections, round, sleep } from './common.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const ROOT = path.resolve(HERE, '../..');

// ---- options ----

const argv = process.argv.slice(2);
const opt = {};
for (let i = 0; i < argv.length; i++) {
  const a = argv[i];
  if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
  if (a === '--quick') opt.quick = true;
  else opt[a.slice(2)] = argv[++i];
}
const quick = Boolean(opt.quick);
const num = (name, full, q = full) => (opt[name] !== undefined ? Number(opt[name]) : quick ? q : full);
const cfg = {
  scenarios: (opt.scenarios ?? 'cost,storm').split(','),
  quick,
  storm: {
    clients: num('clients', 1000, 200),
    procs: num('procs', 4, 2),
    rate: num('rate', 25),
    warmupS: num('warmup-s', 10, 5),
    afterS: num('after-s', 15, 12),
    stops: (opt.stops ?? 'term,kill').split(','),
    targets: (opt['storm-targets'] ?? 'herald,socketio').split(','),
    publishSlots: 8,
    sdkOptions: {
      ...(opt['sdk-backoff-min-ms'] ? { backoffMinMs: Number(opt['sdk-backoff-min-ms']) } : {}),
      ...(opt['sdk-backoff-max-ms'] ? { backoffMaxMs: Number(opt['sdk-backoff-max-ms']) } : {}),
    },
  },
  cost: {
    clients: num('cost-clients', 100),
    warmupEvents: num('cost-warmup', 300, 100),
    events: num('cost-events', 500, 200),
    rate: num('cost-rate', 100),
    repeats: num('cost-repeats', 2, 1),
    kinds: (opt['cost-kinds'] ?? 'sdk,official,socketio').split(','),
  },
};
const WORK = opt.work;
const JAR = opt.jar ?? path.join(ROOT, 'target/herald.jar');
const API_KEY = opt['api-key'];
const JWT_SECRET = opt['jwt-secret'];
if (!WORK || !API_KEY || !JWT_SECRET || !opt.out) throw new Error('--work, --api-key, --jwt-secret and --out are required (bench/run-sdk.sh gives them)');
const RUN = Math.random().toString(36).slice(2, 8);
const PAD = 'x'.repeat(48); // every event's data is {n, pad}: about 70 bytes, the same for every server

// ---- processes we start: every pid goes to WORK/generator-pids for run-sdk.sh's cleanup ----

const children = new Set();
function track(child) {
  children.add(child);
  fs.appendFileSync(path.join(WORK, 'generator-pids'), `${child.pid}\n`);
  child.on('exit', () => children.delete(child));
  return child;
}
function killAll() {
  for (const c of children) {
    try { c.kill('SIGTERM'); } catch { /* gone */ }
  }
}
process.on('exit', killAll);
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => { log(`${sig}: stopping`); killAll(); process.exit(130); });

function freePort() {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => { const { port } = s.address(); s.close(() => resolve(port)); });
  });
}

const exited = (child) => new Promise((resolve) => {
  if (child.exitCode !== null || child.signalCode !== null) resolve();
  else child.once('exit', () => resolve());
});

function within(promise, ms, what) {
  let timer;
  return Promise.race([
    promise.finally(() => clearTimeout(timer)),
    new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms / 1000} s`)), ms); }),
  ]);
}

/** A server we start, stop and start again on the same port (Herald: and the same data dir). */
class Server {
  constructor(kind, port) {
    this.kind = kind;
    this.port = port;
    this.dir = path.join(WORK, kind);
    fs.mkdirSync(this.dir, { recursive: true });
    this.launches = 0;
  }

  async launch() {
    const logFile = fs.openSync(path.join(WORK, `${this.kind}.log`), 'a');
    const env = { ...process.env, PORT: String(this.port) };
    let cmd;
    let args;
    if (this.kind === 'herald') {
      cmd = 'java';
      args = [...(process.env.HERALD_JAVA_OPTS ?? '').split(/\s+/).filter(Boolean), '-jar', JAR];
      Object.assign(env, {
        HERALD_PORT: String(this.port), HERALD_DATA_DIR: this.dir, HERALD_API_KEYS: API_KEY, HERALD_JWT_SECRET: JWT_SECRET,
        // retention (1,000 events by default) is not what this measures: keep every event of the run. The
        // default namespace's key, which market inherits: an environment override only replaces a key
        // the config already has, and market lists no history of its own
        HERALD_NAMESPACES_DEFAULT_HISTORY_MAX_EVENTS: '1000000',
      });
    } else {
      cmd = 'node';
      args = [path.join(ROOT, 'bench/peers/socketio/server.js')];
      env.SOCKETIO_RECOVERY = '1';
    }
    this.proc = track(spawn(cmd, args, { env, stdio: ['ignore', logFile, logFile] }));
    fs.closeSync(logFile);
    this.launches++;
    const health = this.kind === 'herald' ? '/health/ready' : '/health';
    const deadline = Date.now() + 120_000;
    while (Date.now() < deadline) {
      if (this.proc.exitCode !== null) throw new Error(`${this} exited during start-up (see ${this.kind}.log)`);
      try {
        if ((await request(this.port, 'GET', health, { timeoutMs: 2000 })).status === 200) return;
      } catch { /* not listening yet */ }
      await sleep(50);
    }
    throw new Error(`${this} not ready after 120 s`);
  }

  /** Sends the signal and waits for the process to be gone (SIGKILL after 60 s). */
  async stop(signal) {
    const p = this.proc;
    p.kill(signal);
    try {
      await within(exited(p), 60_000, `${this} exiting`);
    } catch {
      p.kill('SIGKILL');
      await exited(p);
    }
  }

  toString() {
    return `${this.kind} on 127.0.0.1:${this.port}`;
  }
}

// ---- the publisher: open loop at a fixed rate, each event retried until acknowledged ----

/**
 * Event n (1, 2, …) is due at start + (n - from) / rate; `slots` requests in flight at most, each
 * retried every 100 ms until the server acknowledges it (Herald: 201/200 with the same id; the
 * Socket.IO peer: 200 after the emit, with its (epoch, seq)). Due events wait in order for a slot.
 */
class Publisher {
  constructor(server, channel, rate, slots) {
    Object.assign(this, { server, channel, rate, slots });
    this.acked = new Map(); // n -> {at, seq, epoch}
    this.queue = [];
    this.scheduled = 0;
    this.limit = Infinity;
    this.inFlight = 0;
    this.attempts = 0;
    this.failures = {};
    this.samples = {};
    this.refused = 0;
    this.lastError = null;
    this.abandoned = false;
    this.waiters = [];
  }

  /** Publishes `count` more events (Infinity: until stop) from now on at the rate. */
  run(count = Infinity) {
    this.base = this.scheduled;
    this.t0 = now();
    this.limit = this.scheduled + count;
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), 5);
      for (let i = 0; i < this.slots; i++) this.slot();
    }
  }

  tick() {
    const due = Math.min(this.limit, this.base + Math.floor(((now() - this.t0) * this.rate) / 1000) + 1);
    while (this.scheduled < due) this.queue.push(++this.scheduled);
    if (this.queue.length > 0) for (const w of this.waiters.splice(0)) w();
  }

  async slot() {
    while (!this.abandoned) {
      const n = this.queue.shift();
      if (n === undefined) {
        await new Promise((resolve) => this.waiters.push(resolve));
        continue;
      }
      this.inFlight++;
      await this.send(n);
      this.inFlight--;
    }
  }

  async send(n) {
    const data = { n, pad: PAD };
    const herald = this.server.kind === 'herald';
    const path = herald ? `/api/v1/channels/${this.channel}/events` : '/publish';
    const body = herald ? { type: 'tick', data, id: `${this.channel}-${n}` } : { room: this.channel, event: 'event', data, numbered: true };
    const headers = herald ? { 'x-api-key': API_KEY } : {};
    while (!this.abandoned) {
      this.attempts++;
      try {
        const res = await request(this.server.port, 'POST', path, { headers, body });
        if (res.status === 200 || res.status === 201) {
          const r = JSON.parse(res.body);
          const receipt = herald ? r : r.receipts[0];
          this.acked.set(n, { at: now(), seq: receipt.seq, epoch: herald ? 0 : receipt.epoch });
          return;
        }
        this.count(`http ${res.status}`, res.body.slice(0, 200));
        if ([400, 401, 403, 404, 413].includes(res.status)) { this.refused++; return; }
      } catch (e) {
        this.count(e.code ?? e.message, e.message);
      }
      await sleep(100);
    }
  }

  count(kind, message) {
    this.failures[kind] = (this.failures[kind] ?? 0) + 1;
    this.samples[kind] ??= message; // the first answer of each kind, e.g. the body of an HTTP 500
    this.lastError = message;
  }

  stop() {
    this.limit = this.scheduled;
  }

  /** Waits until everything scheduled is acknowledged (or the limit), then ends the slots. */
  async drain(ms) {
    const deadline = Date.now() + ms;
    while (Date.now() < deadline && !(this.queue.length === 0 && this.inFlight === 0)) await sleep(20);
    this.abandoned = true;
    clearInterval(this.timer);
    for (const w of this.waiters.splice(0)) w();
    return this.queue.length + this.inFlight;
  }

  summary() {
    return {
      scheduled: this.scheduled, acknowledged: this.acked.size, attempts: this.attempts, refused: this.refused,
      failures: this.failures, first_failure_of_each_kind: this.samples, last_error: this.lastError,
    };
  }
}

// ---- child processes over IPC ----

function child(script, execArgv = []) {
  const c = track(fork(path.join(HERE, script), [], { stdio: ['ignore', 2, 2, 'ipc'], execArgv }));
  c.inbox = [];
  c.waiting = [];
  c.on('message', (m) => {
    if (m.type === 'progress') { c.progress = m; return; }
    if (m.type === 'error') log(`${script} ${c.pid}: ${m.message}`);
    const i = c.waiting.findIndex((w) => w.type === m.type || m.type === 'error');
    if (i >= 0) c.waiting.splice(i, 1)[0].resolve(m);
    else c.inbox.push(m);
  });
  c.on('exit', (code, signal) => {
    for (const w of c.waiting.splice(0)) w.resolve({ type: 'error', message: `exited (code ${code}, signal ${signal})` });
  });
  c.next = (type, ms) => {
    if (c.exitCode !== null || c.signalCode !== null) return Promise.reject(new Error(`${script}: exited (code ${c.exitCode}, signal ${c.signalCode})`));
    const i = c.inbox.findIndex((m) => m.type === type || m.type === 'error');
    if (i >= 0) return Promise.resolve(c.inbox.splice(i, 1)[0]).then(check);
    return within(new Promise((resolve) => c.waiting.push({ type, resolve })).then(check), ms, `${script} waiting for ${type}`);
  };
  const check = (m) => {
    if (m.type === 'error') throw new Error(`${script}: ${m.message}`);
    return m;
  };
  c.close = async () => {
    if (c.connected) c.send({ cmd: 'close' });
    try { await within(exited(c), 10_000, 'close'); } catch { c.kill('SIGKILL'); }
  };
  return c;
}

// ---- scenario: cost per delivered event ----

async function costScenario(servers) {
  const c = cfg.cost;
  const runs = [];
  for (let rep = 1; rep <= c.repeats; rep++) {
    for (const kind of rep % 2 ? c.kinds : [...c.kinds].reverse()) { // every other repeat in reverse order: drift shows
      const server = kind === 'socketio' ? servers.socketio : servers.herald;
      const channel = kind === 'socketio' ? `cost-${RUN}-${kind}-${rep}` : `market:cost-${RUN}-${kind}-${rep}`;
      log(`cost: ${kind} (repeat ${rep}), ${c.clients} clients on ${channel}, ${c.warmupEvents} warm-up + ${c.events} measured events at ${c.rate}/s`);
      const rx = child('cost-receiver.mjs', ['--expose-gc']);
      const pub = new Publisher(server, channel, c.rate, 4);
      try {
        rx.send({ cmd: 'start', kind, port: server.port, channel, clients: c.clients, warmupEvents: c.warmupEvents, events: c.events, tokenSecret: JWT_SECRET });
        await rx.next('ready', 60_000);
        await sleep(500);
        pub.run(c.warmupEvents);
        await rx.next('warm', (c.warmupEvents / c.rate) * 1000 + 60_000);
        pub.run(c.events);
        const done = await rx.next('done', (c.events / c.rate) * 1000 + 60_000);
        await pub.drain(5000);
        const cpuUs = done.cpuUserUs + done.cpuSystemUs;
        const r = {
          client: kind, repeat: rep, clients: done.clients, measured_events: c.events, deliveries: done.deliveries,
          cpu_us_per_delivery: round(cpuUs / done.deliveries, 2),
          cpu_user_us_per_delivery: round(done.cpuUserUs / done.deliveries, 2),
          cpu_system_us_per_delivery: round(done.cpuSystemUs / done.deliveries, 2),
          cpu_ms: round(cpuUs / 1000), wall_ms: round(done.wallMs), cores_used: round(cpuUs / 1000 / done.wallMs, 3),
          event_loop_utilization: round(done.eventLoopUtilization, 3), heap_used_mb: round(done.heapUsedBytes / 2 ** 20),
          missing: done.missing, duplicates: done.duplicates, out_of_order: done.outOfOrder, client_stats: done.stats,
          publisher: pub.summary(), load_average: os.loadavg().map((x) => round(x, 2)),
        };
        log(`  => ${kind}: ${r.cpu_us_per_delivery} µs CPU per delivery (${done.deliveries} deliveries in ${r.wall_ms} ms, ${r.cores_used} cores), missing ${r.missing}, duplicates ${r.duplicates}`);
        runs.push(r);
      } catch (e) {
        log(`  => ${kind}: failed: ${e.message}; receiver: ${JSON.stringify(rx.progress ?? null)}`);
        runs.push({ client: kind, repeat: rep, error: e.message, receiver_progress: rx.progress ?? null, publisher: pub.summary(), server_log_tail: logTail(server.kind) });
        await pub.drain(0);
      } finally {
        await rx.close();
      }
    }
  }
  const byClient = {};
  for (const kind of c.kinds) {
    const ok = runs.filter((r) => r.client === kind && r.error === undefined);
    byClient[kind] = { runs: ok.length, cpu_us_per_delivery: ok.map((r) => r.cpu_us_per_delivery), median_cpu_us_per_delivery: round(median(ok.map((r) => r.cpu_us_per_delivery)), 2) };
  }
  const ratio = (a, b) => (byClient[a]?.median_cpu_us_per_delivery && byClient[b]?.median_cpu_us_per_delivery
    ? round(byClient[a].median_cpu_us_per_delivery / byClient[b].median_cpu_us_per_delivery, 2) : null);
  return {
    what: `${c.clients} clients in ONE node process on one channel; ${c.warmupEvents} warm-up events, then ${c.events} measured at ${c.rate}/s `
      + `(${c.clients * c.events} deliveries); CPU = process.cpuUsage() (user + system) of that receiving process only, from when every client `
      + 'had the warm-up (after a full GC) to when every client had the measured events, divided by the measured deliveries. sdk = Herald\'s SDK '
      + '(ws WebSocket, one per client), official = @vertx/eventbus-bridge-client.js 1.0.0 over sockjs-client 1.6.1 (websocket transport), '
      + 'both against Herald; socketio = socket.io-client 4.8 (websocket transport, a Manager per client) against the Socket.IO 4.8 peer '
      + '(connection state recovery on). Each event\'s data is {n, pad} (~70 bytes); every handler only counts and checks order.',
    by_client: byClient,
    ratio_sdk_over_official: ratio('sdk', 'official'),
    ratio_sdk_over_socketio_client: ratio('sdk', 'socketio'),
    runs,
  };
}

// ---- scenario: restart storm ----

async function stormScenario(servers) {
  const s = cfg.storm;
  const rounds = [];
  for (const target of s.targets) {
    for (const stop of s.stops) {
      const server = target === 'socketio' ? servers.socketio : servers.herald;
      try {
        rounds.push(await stormRound(server, stop === 'kill' ? 'SIGKILL' : 'SIGTERM'));
      } catch (e) {
        log(`storm ${target} ${stop}: failed: ${e.stack}`);
        rounds.push({ target, stop, error: e.message, server_log_tail: logTail(server.kind) });
        if (server.proc.exitCode !== null || server.proc.signalCode !== null) await server.launch(); // the next round needs it
      }
    }
  }
  return {
    what: `${s.clients} clients in ${s.procs} node processes (each client its own WebSocket) on one channel while ${s.rate} events/s are `
      + 'published (open loop, each event with an id and retried every 100 ms until acknowledged, 8 requests in flight at most); after '
      + `${s.warmupS} s the server is stopped (SIGTERM, then in a second round SIGKILL of the server process alone: Herald's embedded `
      + 'PostgreSQL is left to its watchdog and the next start) and started again at once on the same port (Herald: same data dir); '
      + `publishing goes on for ${s.afterS} s after it is ready, then stops; then up to 60 s for deliveries to settle. missing = events the `
      + 'server acknowledged (Herald: 201/200; Socket.IO peer: 200 after its emit) that a handler never got; duplicates = an event '
      + 'handed to a handler again; out_of_order = a delivery ordered below one before it (Herald: seq; peer: (process epoch, seq)). '
      + 'caught up = the client holds every event acknowledged up to and including the first one the restarted server acknowledged; '
      + 'times are from the moment the stop signal was sent. Herald clients: the SDK with its default backoff unless options say '
      + 'otherwise; Socket.IO clients: socket.io-client defaults (reconnection delay 1-5 s, randomization 0.5), joining the room again '
      + 'on every connection that is not recovered.',
    rounds,
  };
}

async function stormRound(server, signal) {
  const s = cfg.storm;
  const target = server.kind;
  const kind = target === 'herald' ? 'sdk' : 'socketio';
  const tag = signal === 'SIGKILL' ? 'kill' : 'term';
  const channel = target === 'herald' ? `market:storm-${RUN}-${tag}` : `storm-${RUN}-${tag}`;
  log(`storm: ${target} (${signal}), ${s.clients} ${kind} clients in ${s.procs} processes on ${channel}, ${s.rate} events/s`);
  const workers = [];
  const per = Math.ceil(s.clients / s.procs);
  const tOpen = now();
  for (let p = 0; p < s.procs; p++) {
    const count = Math.min(per, s.clients - p * per);
    if (count <= 0) break;
    const w = child('storm-clients.mjs');
    workers.push(w);
    w.send({ cmd: 'start', kind, port: server.port, channel, clients: count, first: p * per, tokenSecret: target === 'herald' ? JWT_SECRET : undefined, sdkOptions: s.sdkOptions });
  }
  const pub = new Publisher(server, channel, s.rate, s.publishSlots);
  try {
    await Promise.all(workers.map((w) => w.next('subscribed', 180_000)));
    const subscribedMs = now() - tOpen;
    log(`  all ${s.clients} subscribed in ${round(subscribedMs / 1000)} s; publishing`);
    pub.run();
    await sleep(s.warmupS * 1000);
    const coldLimit = Date.now() + 20_000; // a cold server may be slow to answer its first publishes
    while (pub.acked.size < 2 * s.rate && Date.now() < coldLimit) await sleep(100);
    const ackedBeforeStop = pub.acked.size;

    const tStop = now();
    log(`  stopping ${server} with ${signal}`);
    await server.stop(signal);
    const tDown = now();
    resetConnections();
    const tLaunch = now();
    await server.launch();
    const tReady = now();
    log(`  down ${round((tDown - tStop) / 1000, 2)} s after the signal; ready again ${round((tReady - tLaunch) / 1000, 2)} s after launch`);

    while (now() < tReady + s.afterS * 1000) {
      await sleep(1000);
      const pr = progress(workers);
      log(`  t=${round((now() - tStop) / 1000)} s after the stop: ${pr.connected} connected, acknowledged ${pub.acked.size} of ${pub.scheduled} scheduled; `
        + `fewest distinct events at a client ${pr.distinctMin}`);
    }
    pub.stop();
    const unacked = await pub.drain(15_000);
    const total = pub.acked.size;
    // deliveries settle: every client has every acknowledged event, or every client is connected and nothing
    // arrived for 5 s (the rest is lost for good), at most 60 s (a client may still be in its backoff)
    const settleLimit = Date.now() + 60_000;
    let last = -1;
    let lastChange = Date.now();
    let pr;
    while (Date.now() < settleLimit) {
      await sleep(500);
      pr = progress(workers);
      if (pr.distinctMin >= total) break;
      if (pr.distinctSum !== last) {
        last = pr.distinctSum;
        lastChange = Date.now();
      } else if (pr.connected === s.clients && Date.now() - lastChange > 5000) break;
    }
    log(`  publishing stopped: ${total} acknowledged; ${pr.connected} clients connected, fewest distinct events at a client ${pr.distinctMin}`);

    const acked = [...pub.acked.entries()].sort((a, b) => a[0] - b[0]).map(([n, a]) => [n, a.at]);
    const afterRestart = [...pub.acked.values()].filter((a) => a.at > tLaunch).sort((a, b) => a.at - b.at);
    const boundaryAckAt = afterRestart.length ? afterRestart[0].at : Infinity;
    const analyses = [];
    for (const w of workers) {
      w.send({ cmd: 'analyze', acked, tStop, tLaunch, boundaryAckAt });
      analyses.push(await w.next('analysis', 60_000));
    }
    let head = null;
    if (target === 'herald') {
      const res = await request(server.port, 'GET', `/api/v1/channels/${channel}/events?since=0&limit=1`, { headers: { 'x-api-key': API_KEY } });
      head = JSON.parse(res.body).lastSeq;
    }
    const r = summarizeStorm({ target, kind, signal, analyses, pub, tStop, tDown, tLaunch, tReady, subscribedMs, ackedBeforeStop, unacked, head });
    log(`  => ${target} ${signal}: all caught up ${r.all_caught_up_after_stop_ms ?? 'never'} ms after the stop; missing ${r.handlers.missing}, `
      + `duplicates ${r.handlers.duplicates}, out of order ${r.handlers.out_of_order}`);
    return r;
  } finally {
    await pub.drain(0);
    await Promise.all(workers.map((w) => w.close()));
  }
}

function progress(workers) {
  const pr = { connected: 0, distinctMin: Infinity, distinctSum: 0, deliveries: 0 };
  for (const w of workers) {
    const p = w.progress ?? { connected: 0, distinctMin: 0, distinctSum: 0, deliveries: 0 };
    pr.connected += p.connected;
    pr.distinctMin = Math.min(pr.distinctMin, p.distinctMin);
    pr.distinctSum += p.distinctSum;
    pr.deliveries += p.deliveries;
  }
  return pr;
}

function summarizeStorm({ target, kind, signal, analyses, pub, tStop, tDown, tLaunch, tReady, subscribedMs, ackedBeforeStop, unacked, head }) {
  const rows = analyses.flatMap((a) => a.rows);
  const totals = {};
  const stats = {};
  for (const a of analyses) {
    for (const [k, v] of Object.entries(a.totals)) totals[k] = k === 'maxMissingPerClient' ? Math.max(totals[k] ?? 0, v) : (totals[k] ?? 0) + v;
    for (const [k, v] of Object.entries(a.stats)) if (typeof v === 'number') stats[k] = (stats[k] ?? 0) + v; else stats[k] = v;
  }
  const caught = rows.map((r) => (r.caughtUpAt === null ? null : r.caughtUpAt - tStop));
  const never = caught.filter((x) => x === null).length;
  const live = rows.map((r) => (r.liveAgainAt === null ? null : r.liveAgainAt - tStop));
  const ms = (x) => round(x, 0);
  const r = {
    target, client: kind === 'sdk' ? "Herald's SDK (clients/js/herald.js)" : 'socket.io-client 4.8', stop: signal,
    clients: rows.length, client_processes: analyses.length, rate_per_s: cfg.storm.rate,
    subscribed_in_ms: ms(subscribedMs),
    server: {
      exited_after_signal_ms: ms(tDown - tStop), ready_after_launch_ms: ms(tReady - tLaunch), ready_after_stop_ms: ms(tReady - tStop),
      ...(target === 'herald' ? { channel_head_seq: head, head_equals_acknowledged: head === pub.acked.size } : {}),
    },
    publisher: { ...pub.summary(), acknowledged_before_stop: ackedBeforeStop, unacknowledged_at_end: unacked },
    all_caught_up_after_stop_ms: never > 0 ? null : ms(Math.max(...caught)),
    all_caught_up_after_ready_ms: never > 0 ? null : ms(Math.max(...caught) - (tReady - tStop)),
    caught_up_after_stop_ms: dist(caught.filter((x) => x !== null)),
    never_caught_up: never,
    live_again_after_stop_ms: dist(live.filter((x) => x !== null)),
    handlers: {
      missing: totals.missing, clients_with_missing: totals.clientsWithLoss, max_missing_per_client: totals.maxMissingPerClient,
      duplicates: totals.duplicates, out_of_order: totals.outOfOrder, seq_gaps_at_handler: totals.handlerSeqGaps,
      delivered_but_never_acknowledged: totals.unacknowledgedDelivered, deliveries: totals.deliveries,
      expected_deliveries: rows.length * pub.acked.size,
    },
    client_stats: stats,
    client_cpu_ms: round(analyses.reduce((s, a) => s + a.cpuMs, 0)),
    load_average: os.loadavg().map((x) => round(x, 2)),
  };
  if (kind === 'socketio') {
    r.recovery = {
      reconnections_recovered: stats.recovered ?? 0, reconnections_not_recovered: stats.notRecovered ?? 0,
      recovery_possible: (stats.recovered ?? 0) > 0,
      note: 'socket.recovered after each reconnection; the restarted peer has none of the previous process\'s sessions or packets',
    };
  }
  return r;
}

// ---- main ----

/** The last lines of a server's log in the work dir (for a report entry that failed). */
function logTail(kind, lines = 20) {
  try { return fs.readFileSync(path.join(WORK, `${kind}.log`), 'utf8').trimEnd().split('\n').slice(-lines); } catch { return null; }
}

function sha256(file) {
  try { return crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex').slice(0, 16); } catch { return null; }
}

function versions() {
  const v = (dir, name) => {
    try { return JSON.parse(fs.readFileSync(path.join(dir, 'node_modules', name, 'package.json'), 'utf8')).version; } catch { return null; }
  };
  const sdkDir = HERE;
  const peerDir = path.join(ROOT, 'bench/peers/socketio');
  const sdk = process.env.HERALD_SDK_MODULE ?? path.join(ROOT, 'clients/js/herald.js');
  return {
    herald_jar: { copied_from: opt['jar-source'] ?? JAR, sha256_16: sha256(JAR) },
    herald_sdk: { state: opt['sdk-state'] ?? null, 'herald.js_sha256_16': sha256(sdk) },
    node: process.version, 'socket.io': v(peerDir, 'socket.io'), 'socket.io-client': v(sdkDir, 'socket.io-client'), ws: v(sdkDir, 'ws'),
    '@vertx/eventbus-bridge-client.js': v(sdkDir, '@vertx/eventbus-bridge-client.js'), 'sockjs-client': v(sdkDir, 'sockjs-client'),
  };
}

async function main() {
  const started = new Date();
  const loadStart = os.loadavg().map((x) => round(x, 2));
  const report = {
    benchmark: 'sdk (issue #17)', label: opt.label ?? null, started: started.toISOString(), quick,
    machine: { cores: os.cpus().length, load_average_start: loadStart }, versions: versions(), options: cfg,
  };
  const servers = {};
  const needSocketio = cfg.scenarios.includes('cost') && cfg.cost.kinds.includes('socketio') || cfg.scenarios.includes('storm') && cfg.storm.targets.includes('socketio');
  const needHerald = cfg.scenarios.includes('cost') && cfg.cost.kinds.some((k) => k !== 'socketio') || cfg.scenarios.includes('storm') && cfg.storm.targets.includes('herald');
  if (needHerald) {
    servers.herald = new Server('herald', await freePort());
    log(`starting ${servers.herald}`);
    await servers.herald.launch();
  }
  if (needSocketio) {
    servers.socketio = new Server('socketio', await freePort());
    log(`starting ${servers.socketio} (connection state recovery on)`);
    await servers.socketio.launch();
  }
  if (cfg.scenarios.includes('cost')) report.cost = await costScenario(servers);
  if (cfg.scenarios.includes('storm')) report.storm = await stormScenario(servers);
  for (const s of Object.values(servers)) await s.stop('SIGTERM');
  report.machine.load_average_end = os.loadavg().map((x) => round(x, 2));
  report.finished = new Date().toISOString();
  report.duration_s = round((Date.now() - started.getTime()) / 1000);
  report.summary = summary(report);
  const { summary: sum, ...rest } = report;
  const json = JSON.stringify({ summary: sum, ...rest }, null, 2);
  fs.writeFileSync(opt.out, `${json}\n`);
  process.stdout.write(`${json}\n`);
}

function summary(report) {
  const out = {};
  if (report.cost) {
    out.cost_us_cpu_per_delivery = Object.fromEntries(Object.entries(report.cost.by_client).map(([k, v]) => [k, v.median_cpu_us_per_delivery]));
    out.cost_ratio_sdk_over_official = report.cost.ratio_sdk_over_official;
    out.cost_ratio_sdk_over_socketio_client = report.cost.ratio_sdk_over_socketio_client;
  }
  if (report.storm) {
    out.storm = report.storm.rounds.map((r) => (r.error ? { target: r.target, stop: r.stop, error: r.error } : {
      target: r.target, stop: r.stop, clients: r.clients,
      all_caught_up_after_stop_ms: r.all_caught_up_after_stop_ms, never_caught_up: r.never_caught_up,
      server_ready_after_stop_ms: r.server.ready_after_stop_ms,
      missing: r.handlers.missing, duplicates: r.handlers.duplicates, out_of_order: r.handlers.out_of_order,
      ...(r.recovery ? { recovered: r.recovery.reconnections_recovered, not_recovered: r.recovery.reconnections_not_recovered } : {}),
    }));
  }
  return out;
}

main().then(() => process.exit(0), (e) => {
  log(`failed: ${e.stack}`);
  process.exit(1);
});
