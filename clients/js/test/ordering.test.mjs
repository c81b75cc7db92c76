// What the SDK does with a stream that is not clean: a seq the socket never got, frames that come
// twice, events retention trimmed while the client was away, and how it spaces its reconnects.
// The server is real; the faults come from a WebSocket class that tampers with what it receives.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { connect } from '../herald.js';
import { HERALD, proxy, publishRest, until, jwt } from '../test-support/support.mjs';

const TOKEN = process.env.HERALD_TOKEN;
const inOrder = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** ws, with tamper(frame, deliver) deciding what of each received frame the SDK sees. */
function tampering(tamper) {
  return class extends WebSocket {
    set onmessage(handler) {
      super.onmessage = (m) => tamper(JSON.parse(m.data.toString()), (frame) => handler({ data: JSON.stringify(frame) }));
    }

    get onmessage() {
      return super.onmessage;
    }
  };
}

const isEvent = (frame, channel) => frame.type === 'rec' && frame.address === channel && typeof frame.body?.seq === 'number';

test('a seq the socket never got is read from history, and the handler still sees every event in order', async () => {
  const channel = `market:sdk-gap-${Date.now()}`;
  const dropped = [];
  const Lossy = tampering((frame, deliver) => {
    if (isEvent(frame, channel) && frame.body.seq % 7 === 3 && !dropped.includes(frame.body.seq)) {
      dropped.push(frame.body.seq); // as if the server skipped it to this socket
      return;
    }
    deliver(frame);
  });
  const herald = connect(HERALD.origin, { WebSocket: Lossy, token: TOKEN });
  const seqs = [];
  herald.subscribe(channel, (e) => seqs.push(e.seq), { since: 0 });
  try {
    await until(() => herald.state === 'connected', 10000, 'connected');
    for (let n = 1; n <= 40; n++) await publishRest(channel, n);
    await until(() => seqs.length >= 40, 10000, () => `40 events (have ${seqs.length})`);
    assert.ok(dropped.length >= 5, `frames dropped: ${dropped}`);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(seqs, inOrder(1, 40));
  } finally {
    herald.close();
  }
});

test('frames that come twice (a replay overlapping live) reach the handler once', async () => {
  const channel = `market:sdk-twice-${Date.now()}`;
  for (let n = 1; n <= 20; n++) await publishRest(channel, n);
  const held = [];
  const Repeating = tampering((frame, deliver) => {
    if (!isEvent(frame, channel)) return deliver(frame);
    deliver(frame);
    held.push(frame);
    if (held.length % 5 === 0) for (const f of held.splice(0)) deliver(f); // the last five again
  });
  const herald = connect(HERALD.origin, { WebSocket: Repeating, token: TOKEN });
  const seqs = [];
  herald.subscribe(channel, (e) => seqs.push(e.seq), { since: 0 });
  try {
    await until(() => seqs.length >= 20, 10000, () => `the replay (have ${seqs.length})`);
    for (let n = 21; n <= 40; n++) await publishRest(channel, n);
    await until(() => seqs.length >= 40, 10000, () => `40 events (have ${seqs.length})`);
    await new Promise((r) => setTimeout(r, 200));
    assert.deepEqual(seqs, inOrder(1, 40));
  } finally {
    herald.close();
  }
});

test('events retention trimmed while the client was away are a discontinuity, never silence', async () => {
  const channel = `short:sdk-${Date.now()}`; // the node under test keeps 3 events per short: channel
  const p = await proxy();
  const herald = connect(p.url, { WebSocket, token: TOKEN, backoffMinMs: 50, backoffMaxMs: 200 });
  const seqs = [];
  const gaps = [];
  herald.on('discontinuity', (gap) => gaps.push(gap));
  herald.subscribe(channel, (e) => seqs.push(e.seq), { since: 0 });
  const firstKept = async () => (await (await fetch(new URL(`/api/v1/channels/${channel}/events?since=0`, HERALD))).json()).firstSeq;
  try {
    await until(() => herald.state === 'connected', 10000, 'connected');
    for (let n = 1; n <= 2; n++) await publishRest(channel, n);
    await until(() => seqs.length === 2, 10000, 'the first two');
    p.refuse(true);
    p.cut();
    for (let n = 3; n <= 12; n++) await publishRest(channel, n);
    for (const deadline = Date.now() + 15000; (await firstKept()) !== 10;) { // the node trims every second
      assert.ok(Date.now() < deadline, 'retention trimmed the channel to its last 3 events');
      await new Promise((r) => setTimeout(r, 100));
    }
    p.refuse(false);
    await until(() => seqs.length === 5, 10000, () => `what is kept (have ${seqs})`);
    assert.deepEqual(gaps, [{ channel, from: 3, to: 9 }]);
    assert.deepEqual(seqs, [1, 2, 10, 11, 12]);
  } finally {
    herald.close();
    await p.close();
  }
});

test('publishes over the rate limit are sent again after the server\'s retryAfter, and each is stored once', async () => {
  const channel = `busy:sdk-${Date.now()}`; // 5 publishes per second per user on the node under test
  let refused = 0;
  const Counting = tampering((frame, deliver) => {
    if (frame.type === 'err' && frame.failureCode === 429) refused++;
    deliver(frame);
  });
  const herald = connect(HERALD.origin, { WebSocket: Counting, token: jwt(`sdk-busy-${Date.now()}`, 3600) });
  try {
    const receipts = await Promise.all(Array.from({ length: 12 }, (_, i) => herald.publish(channel, 'msg', { i })));
    assert.ok(refused >= 5, `the server refused some first (${refused})`);
    assert.deepEqual(receipts.map((r) => r.seq).sort((a, b) => a - b), inOrder(1, 12));
    const stored = await (await fetch(new URL(`/api/v1/channels/${channel}/events`, HERALD), { headers: { 'X-Api-Key': process.env.HERALD_API_KEY } })).json();
    assert.deepEqual(stored.events.map((e) => e.data.i).sort((a, b) => a - b), inOrder(0, 11));
  } finally {
    herald.close();
  }
});

test('reconnects are spaced by a jittered backoff that stays within its bounds', async () => {
  const p = await proxy();
  p.refuse(true);
  const herald = connect(p.url, { WebSocket, token: TOKEN, backoffMinMs: 50, backoffMaxMs: 400, transports: ['websocket'] });
  try {
    await new Promise((r) => setTimeout(r, 4000));
    const gaps = p.attempts.slice(1).map((t, i) => t - p.attempts[i]);
    assert.ok(gaps.length >= 8, `attempts: ${gaps.length}`);
    assert.ok(Math.max(...gaps) <= 400 + 150, `no wait beyond backoffMaxMs: ${gaps}`);
    const later = gaps.slice(4); // once the backoff reached its cap, full jitter spreads the waits over [0, max]
    assert.ok(Math.max(...later) - Math.min(...later) > 100, `jittered: ${later}`);
    assert.equal(herald.state, 'reconnecting');
  } finally {
    herald.close();
    await p.close();
  }
});
