// One process of the restart storm's subscribers (forked by bench.mjs, driven over IPC):
//   {cmd:'start', kind, port, channel, clients, first, tokenSecret?, tokens?, sdkOptions}
//       opens `clients` clients (sdk or socketio), 25 at a time; answers {type:'subscribed'} once each
//       has subscribed (sdk: state connected, its register sent with since 0; socketio: join acked),
//       then {type:'progress', connected, distinctSum, distinctMin, deliveries} every second
//   {cmd:'analyze', acked: [[n, ackAt], ...], tStop, tLaunch, boundaryAckAt}
//       answers {type:'analysis', ...}: per client, from the first delivery time of each n it saw:
//       missing (acknowledged n never delivered), duplicates (an n delivered again), out of order
//       (a delivery whose server order key, Herald's seq or the peer's (epoch, seq), is below one
//       delivered before), caughtUpAt (when it held every n acknowledged up to the boundary, the
//       first publish the restarted server acknowledged; null if it never did), liveAgainAt (first
//       delivery of an event the restarted server acknowledged)
//   {cmd:'close'}: closes every client and exits
import { open } from './clients.mjs';
import { dieWithParent, jwt, now, sleep } from './common.mjs';

dieWithParent();
const clients = [];
let kind;
let progressTimer;
let cpuStart;

process.on('message', async (m) => {
  try {
    if (m.cmd === 'start') await start(m);
    else if (m.cmd === 'analyze') process.send({ type: 'analysis', ...analyze(m) });
    else if (m.cmd === 'close') {
      clearInterval(progressTimer);
      for (const c of clients) c.client.close();
      await sleep(200);
      process.exit(0);
    }
  } catch (e) {
    process.send({ type: 'error', message: String(e?.stack ?? e) });
  }
});

async function start({ kind: k, port, channel, clients: n, first, tokenSecret, sdkOptions }) {
  kind = k;
  cpuStart = process.cpuUsage();
  let subscribed = 0;
  for (let i = 0; i < n; i++) {
    const c = { at: new Float64Array(4096), distinct: 0, deliveries: 0, dups: 0, ooo: 0, gaps: 0, ep: -1, seq: 0, subscribed: false };
    c.client = open(kind, {
      port, channel, sdkOptions,
      token: tokenSecret ? jwt(tokenSecret, `storm-${first + i}`) : undefined,
      onConnect: () => {
        if (!c.subscribed) {
          c.subscribed = true;
          if (++subscribed === n) process.send({ type: 'subscribed' });
        }
      },
      onEvent: (num, epoch, seq) => onEvent(c, num, epoch, seq),
    });
    clients.push(c);
    if (i % 25 === 24) await sleep(20);
  }
  progressTimer = setInterval(() => {
    let distinctMin = Infinity;
    let distinctSum = 0;
    let deliveries = 0;
    let connected = 0;
    for (const c of clients) {
      distinctMin = Math.min(distinctMin, c.distinct);
      distinctSum += c.distinct;
      deliveries += c.deliveries;
      if (c.client.isConnected()) connected++;
    }
    process.send({ type: 'progress', connected, distinctSum, distinctMin, deliveries });
  }, 1000);
}

function onEvent(c, n, epoch, seq) {
  const t = now();
  c.deliveries++;
  if (n >= c.at.length) {
    const bigger = new Float64Array(Math.max(n + 1, c.at.length * 2));
    bigger.set(c.at);
    c.at = bigger;
  }
  if (c.at[n] !== 0) c.dups++;
  else {
    c.at[n] = t;
    c.distinct++;
  }
  if (epoch < c.ep || (epoch === c.ep && seq < c.seq)) c.ooo++;
  else {
    if (epoch === c.ep && seq > c.seq + 1) c.gaps++; // a seq skipped at the handler (the same server incarnation)
    c.ep = epoch;
    c.seq = seq;
  }
}

function analyze({ acked, tLaunch, boundaryAckAt }) {
  const ackedSet = new Set();
  for (const [n] of acked) ackedSet.add(n);
  const rows = [];
  const totals = { missing: 0, duplicates: 0, outOfOrder: 0, handlerSeqGaps: 0, deliveries: 0, unacknowledgedDelivered: 0, clientsWithLoss: 0, maxMissingPerClient: 0 };
  const stats = {};
  for (const c of clients) {
    let missing = 0;
    let caught = -Infinity;
    let complete = true;
    let liveAgain = Infinity;
    for (const [n, ackAt] of acked) {
      const t = n < c.at.length ? c.at[n] : 0;
      if (t === 0) missing++;
      if (ackAt <= boundaryAckAt) {
        if (t === 0) complete = false;
        else caught = Math.max(caught, t);
      }
      if (ackAt > tLaunch && t !== 0) liveAgain = Math.min(liveAgain, t);
    }
    let unacked = 0;
    for (let n = 1; n < c.at.length; n++) if (c.at[n] !== 0 && !ackedSet.has(n)) unacked++;
    totals.missing += missing;
    totals.duplicates += c.dups;
    totals.outOfOrder += c.ooo;
    totals.handlerSeqGaps += c.gaps;
    totals.deliveries += c.deliveries;
    totals.unacknowledgedDelivered += unacked;
    if (missing > 0) totals.clientsWithLoss++;
    totals.maxMissingPerClient = Math.max(totals.maxMissingPerClient, missing);
    rows.push({ caughtUpAt: complete && caught > -Infinity ? caught : null, liveAgainAt: liveAgain < Infinity ? liveAgain : null });
    for (const [k, v] of Object.entries(c.client.stats)) {
      if (typeof v === 'number') stats[k] = (stats[k] ?? 0) + v;
      else if (v !== null) stats.lastError = v;
    }
  }
  const cpu = process.cpuUsage(cpuStart);
  return { kind, clients: clients.length, totals, rows, stats, cpuMs: (cpu.user + cpu.system) / 1000 };
}
