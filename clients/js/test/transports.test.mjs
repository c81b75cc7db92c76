// The SDK's fallbacks against a real Herald: SockJS when a proxy lets no WebSocket through, polling
// the history when it lets nothing under /eventbus through, and back to the WebSocket once it gets
// through again. The guarantee is the same on each: every event exactly once, in order.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { connect } from '../herald.js';
import { proxy, publishRest, publishing, history, until, jwt, rest } from '../test-support/support.mjs';

const TOKEN = process.env.HERALD_TOKEN;
const WEBSOCKETS = /^\/eventbus(\/[^/]+\/[^/]+)?\/websocket/;
const BRIDGE = /^\/eventbus/;

const inOrder = (n) => Array.from({ length: n }, (_, i) => i + 1);

for (const [transport, blocked] of [['sockjs', WEBSOCKETS], ['polling', BRIDGE]]) {
  test(`${transport} when the proxy blocks ${blocked}: every event once, in order, across a cut`, async () => {
    const channel = `market:sdk-${transport}-${Date.now()}`;
    const p = await proxy();
    p.block(blocked);
    // a cut HTTP stream can go unnoticed by SockJS in node: the client's own ping finds it dead
    const herald = connect(p.url, { WebSocket, token: TOKEN, backoffMinMs: 50, backoffMaxMs: 300, pollIntervalMs: 100,
      pingIntervalMs: 500, pingTimeoutMs: 1000 });
    const seqs = [];
    herald.subscribe(channel, (e) => seqs.push(e.seq), { since: 0 });
    try {
      await until(() => herald.state === 'connected', 15000, () => `connected (on ${herald.transport})`);
      assert.equal(herald.transport, transport);
      const total = 600;
      const published = publishing(channel, total, 10);
      await until(() => seqs.length >= 200, 30000, () => `200 events (have ${seqs.length})`);
      p.cut();
      await published;
      await until(() => seqs.length >= total, 30000, () => `all ${total} events (have ${seqs.length})`);
      await new Promise((r) => setTimeout(r, 300)); // nothing more may come
      assert.deepEqual(seqs, inOrder(total));
      assert.equal(herald.transport, transport, 'the proxy still blocks the others');
    } finally {
      herald.close();
      await p.close();
    }
  });
}

test('polling through a node that answers 503 for a while (draining): it reconnects and misses nothing', async () => {
  const channel = `market:sdk-polling-503-${Date.now()}`;
  const p = await proxy();
  p.block(BRIDGE);
  const herald = connect(p.url, { WebSocket, token: TOKEN, backoffMinMs: 50, backoffMaxMs: 300, pollIntervalMs: 100 });
  const seqs = [];
  const states = [];
  herald.on('state', (s) => states.push(s));
  herald.subscribe(channel, (e) => seqs.push(e.seq), { since: 0 });
  try {
    await until(() => herald.transport === 'polling' && herald.state === 'connected', 15000, 'polling');
    for (let n = 1; n <= 50; n++) await publishRest(channel, n);
    await until(() => seqs.length >= 50, 10000, () => `50 events (have ${seqs.length})`);
    p.unavailable(/^\/api\//);
    await until(() => states.includes('reconnecting'), 5000, 'a reconnect on the 503');
    for (let n = 51; n <= 100; n++) await publishRest(channel, n);
    p.unavailable(null);
    await until(() => seqs.length >= 100, 15000, () => `100 events (have ${seqs.length})`);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(seqs, inOrder(100));
  } finally {
    herald.close();
    await p.close();
  }
});

test('polling: publishes stored once each and in order, document writes, and refusals that say why', async () => {
  const channel = `chat:sdk-polling-${Date.now()}`;
  const p = await proxy();
  p.block(BRIDGE);
  const herald = connect(p.url, { WebSocket, token: TOKEN, backoffMinMs: 50, backoffMaxMs: 300, pollIntervalMs: 100 });
  const admin = connect(p.url, { WebSocket, token: jwt('sdk-admin', 3600, ['admin']), pollIntervalMs: 100 });
  try {
    await until(() => herald.state === 'connected' && admin.state === 'connected', 15000, 'connected');
    assert.equal(herald.transport, 'polling');
    assert.equal(admin.transport, 'polling');
    const receipts = await Promise.all(Array.from({ length: 10 }, (_, i) => herald.publish(channel, 'msg', { i })));
    const stored = await history(channel);
    assert.deepEqual(stored.map((e) => e.data.i), inOrder(10).map((n) => n - 1));
    assert.deepEqual(receipts.map((r) => r.seq), inOrder(10));
    await assert.rejects(herald.publish('bad channel!', 'msg', {}), (e) => e.code === 400);
    await assert.rejects(herald.typing(channel).typing(true), (e) => e.code === 503);
    const products = admin.collection('products');
    const id = `sdk-polling-${Date.now()}`;
    assert.equal((await products.put(id, { stock: 1 }, { ifMatch: 0 }))._rev, 1);
    assert.equal((await products.patch(id, { stock: 2 }, { ifMatch: 1 })).stock, 2);
    await assert.rejects(products.patch(id, { stock: 3 }, { ifMatch: 1 }), (e) => e.code === 409 && e.current._rev === 2);
  } finally {
    herald.close();
    admin.close();
    await p.close();
  }
});

test('polling: an aggregate view moves too (its snapshots are read, since none are stored)', async () => {
  const p = await proxy();
  p.block(BRIDGE);
  const herald = connect(p.url, { WebSocket, token: TOKEN, pollIntervalMs: 100 });
  try {
    await until(() => herald.state === 'connected' && herald.transport === 'polling', 15000, 'polling');
    const sales = herald.aggregate('sales');
    await until(() => sales.getSnapshot() !== null, 5000, 'the first snapshot');
    const before = sales.getSnapshot().values.totalBatchesSold;
    await rest('POST', '/api/v1/channels/sales/events', { type: 'purchase.completed', data: { batchCount: 3 } });
    await until(() => sales.getSnapshot().values.totalBatchesSold >= before + 3, 10000,
      () => `totalBatchesSold ${before} + 3, seen ${sales.getSnapshot().values.totalBatchesSold}`);
    sales.close();
  } finally {
    herald.close();
    await p.close();
  }
});

test('back to the WebSocket once it gets through, without losing or repeating an event', async () => {
  const channel = `market:sdk-switch-${Date.now()}`;
  const p = await proxy();
  p.block(BRIDGE);
  const herald = connect(p.url, { WebSocket, token: TOKEN, backoffMinMs: 50, backoffMaxMs: 300, pollIntervalMs: 100, upgradeIntervalMs: 300 });
  const seqs = [];
  const transports = [];
  herald.on('transport', (t) => transports.push(t));
  herald.subscribe(channel, (e) => seqs.push(e.seq), { since: 0 });
  try {
    await until(() => herald.transport === 'polling', 15000, 'polling');
    const total = 600;
    const published = publishing(channel, total, 10);
    await until(() => seqs.length >= 150, 30000, () => `150 events (have ${seqs.length})`);
    p.block(WEBSOCKETS); // SockJS gets through now
    await until(() => herald.transport === 'sockjs', 15000, () => `sockjs (on ${herald.transport})`);
    await until(() => seqs.length >= 300, 30000, () => `300 events (have ${seqs.length})`);
    p.block(null);
    await until(() => herald.transport === 'websocket', 15000, () => `websocket (on ${herald.transport})`);
    await published;
    await until(() => seqs.length >= total, 30000, () => `all ${total} events (have ${seqs.length})`);
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(seqs, inOrder(total));
    assert.deepEqual(transports, ['polling', 'sockjs', 'websocket']);
    assert.equal(herald.state, 'connected');
  } finally {
    herald.close();
    await p.close();
  }
});
