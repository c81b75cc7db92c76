// The SDK against a real Herald (HERALD_URL, HERALD_API_KEY, HERALD_TOKEN; the Java suite's SdkTest
// starts one). The connection is cut for real: the SDK talks to Herald through a TCP proxy that
// the tests can sever, as a network drop or a proxy restart would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { connect } from '../herald.js';
import { HERALD, proxy, publishRest, publishing, history, until, jwt, rest } from '../test-support/support.mjs';

const TOKEN = process.env.HERALD_TOKEN;

test('every event exactly once and in order while the connection is cut twice mid-stream', async () => {
  const channel = `market:sdk-${Date.now()}`;
  const p = await proxy();
  const herald = connect(p.url, { WebSocket, token: TOKEN, backoffMinMs: 50, backoffMaxMs: 500 });
  const seqs = [];
  const states = [];
  herald.on('state', (s) => states.push(s));
  herald.subscribe(channel, (e) => seqs.push(e.seq), { since: 0 });
  try {
    await until(() => herald.state === 'connected', 10000, 'the first connection');
    const total = 2000;
    const published = publishing(channel, total, 20);
    await until(() => seqs.length >= 400, 30000, '400 events');
    p.cut();
    await until(() => seqs.length >= 1200, 30000, '1,200 events');
    p.cut();
    await published;
    await until(() => seqs.length >= total, 30000, () => `all ${total} events (have ${seqs.length})`);
    await new Promise((r) => setTimeout(r, 300)); // nothing more may come
    assert.deepEqual(seqs, Array.from({ length: total }, (_, i) => i + 1));
    assert.ok(states.filter((s) => s === 'reconnecting').length >= 2, `states: ${states}`);
  } finally {
    herald.close();
    await p.close();
  }
});

test('publishes made while offline or cut off mid-reply are stored once each, in order', async () => {
  const channel = `chat:sdk-${Date.now()}`;
  const p = await proxy();
  const herald = connect(p.url, { WebSocket, token: TOKEN, backoffMinMs: 50, backoffMaxMs: 300 });
  try {
    await until(() => herald.state === 'connected', 10000, 'the first connection');
    const first = Array.from({ length: 10 }, (_, i) => herald.publish(channel, 'msg', { i }));
    p.cut(); // some of these were sent, some answered, some neither
    p.refuse(true);
    await until(() => herald.state === 'reconnecting', 5000, 'reconnecting');
    const offline = Array.from({ length: 10 }, (_, i) => herald.publish(channel, 'msg', { i: 10 + i }));
    await new Promise((r) => setTimeout(r, 300));
    p.refuse(false);
    const receipts = await Promise.all([...first, ...offline]);
    assert.equal(new Set(receipts.map((r) => r.id)).size, 20);
    const stored = await history(channel);
    assert.deepEqual(stored.map((e) => e.data.i).sort((a, b) => a - b), Array.from({ length: 20 }, (_, i) => i));
    assert.deepEqual(stored.slice(10).map((e) => e.data.i), Array.from({ length: 10 }, (_, i) => 10 + i),
      'the offline ones in the order they were made');
    assert.deepEqual(receipts.map((r) => r.seq).sort((a, b) => a - b), stored.map((e) => e.seq));
  } finally {
    herald.close();
    await p.close();
  }
});

test('document writes made while offline go in order once back, and a stale ifMatch comes back as 409 with the current doc', async () => {
  const id = `sdk-doc-${Date.now()}`;
  const p = await proxy();
  const admin = connect(p.url, { WebSocket, token: jwt('sdk-admin', 3600, ['admin']), backoffMinMs: 50, backoffMaxMs: 200 });
  const products = admin.collection('products');
  try {
    await until(() => admin.state === 'connected', 10000, 'connected');
    const created = await products.put(id, { name: 'lamp', stock: 5 }, { ifMatch: 0 });
    assert.equal(created._rev, 1);
    p.refuse(true);
    p.cut();
    await until(() => admin.state === 'reconnecting', 5000, 'reconnecting');
    const offline = [
      products.patch(id, { stock: 4 }, { ifMatch: 1 }),
      products.patch(id, { stock: 3 }, { ifMatch: 2 }),
      products.put(id, { name: 'lamp', stock: 10, restocked: true }, { ifMatch: 3 }),
    ];
    await new Promise((r) => setTimeout(r, 300));
    p.refuse(false);
    assert.deepEqual((await Promise.all(offline)).map((d) => [d._rev, d.stock]), [[2, 4], [3, 3], [4, 10]]);
    const stale = await products.patch(id, { stock: 0 }, { ifMatch: 2 }).then(() => null, (e) => e);
    assert.equal(stale?.code, 409);
    assert.deepEqual([stale.current._id, stale.current._rev, stale.current.stock], [id, 4, 10]);
    await products.delete(id, { ifMatch: 4 });
    const gone = await fetch(new URL(`/api/v1/collections/products/docs/${id}`, HERALD), { headers: { Authorization: `Bearer ${TOKEN}` } });
    assert.equal(gone.status, 404);
  } finally {
    admin.close();
    await p.close();
  }
});

test('history pages forwards and backwards (load older, newest first)', async () => {
  const channel = `market:sdk-older-${Date.now()}`;
  for (let n = 1; n <= 7; n++) await publishRest(channel, n);
  const herald = connect(HERALD.origin, { WebSocket, token: TOKEN });
  try {
    await until(() => herald.state === 'connected', 10000, 'connected');
    const older = await herald.history(channel, { before: 6, limit: 3 });
    assert.deepEqual(older.events.map((e) => e.seq), [5, 4, 3]);
    const forwards = await herald.history(channel, { since: 4 });
    assert.deepEqual(forwards.events.map((e) => e.seq), [5, 6, 7]);
  } finally {
    herald.close();
  }
});

test('a refused request rejects with the server\'s code, and the socket stays usable', async () => {
  const herald = connect(HERALD.origin, { WebSocket, token: TOKEN });
  try {
    await until(() => herald.state === 'connected', 10000, 'connected');
    await assert.rejects(herald.publish('market:nobody-may', 'x', {}), (e) => e.code === 403);
    const page = await herald.history(`market:sdk-empty-${Date.now()}`, { since: 0 });
    assert.deepEqual(page.events, []);
  } finally {
    herald.close();
  }
});

test('a refused token is an auth_error, getToken is asked once more, and its token is the socket\'s', async () => {
  const sub = `sdk-auth-${Date.now()}`;
  const tokens = ['not-a-token', jwt(sub, 3600)];
  let asked = 0;
  const errors = [];
  const herald = connect(HERALD.origin, { WebSocket, getToken: () => tokens[Math.min(asked++, 1)] });
  herald.on('auth_error', (e) => errors.push(e.code));
  const got = [];
  herald.subscribe(`user:${sub}`, (e) => got.push(e.data.n), { since: 0 });
  try {
    await until(() => herald.state === 'connected', 10000, 'connected');
    assert.deepEqual(errors, [401]);
    assert.equal(asked, 2);
    await publishRest(`user:${sub}`, 1);
    await until(() => got.length === 1, 10000, 'the user channel event');
  } finally {
    herald.close();
  }
});

test('getToken is called again before exp, and the socket keeps its user channel', async () => {
  const sub = `sdk-refresh-${Date.now()}`;
  let asked = 0;
  const herald = connect(HERALD.origin, { WebSocket, getToken: () => { asked++; return jwt(sub, 32); } }); // refresh due in ~2 s
  const got = [];
  const errors = [];
  herald.on('auth_error', (e) => errors.push(e));
  herald.subscribe(`user:${sub}`, (e) => got.push(e.data.n), { since: 0 });
  try {
    await until(() => herald.state === 'connected', 10000, 'connected');
    await until(() => asked >= 2, 8000, 'a refresh');
    await new Promise((r) => setTimeout(r, 200));
    await publishRest(`user:${sub}`, 1);
    await until(() => got.length === 1, 10000, 'an event after the refresh');
    assert.deepEqual(errors, []);
  } finally {
    herald.close();
  }
});

test('a live query view converges to the server\'s documents after changes made while it was cut off', async () => {
  const run = `sdk${Date.now()}`;
  const doc = (id) => `/api/v1/collections/products/docs/${run}-${id}`;
  for (const id of ['a', 'b', 'c']) await rest('PUT', doc(id), { run, stock: 1 });
  const p = await proxy();
  const herald = connect(p.url, { WebSocket, token: TOKEN, backoffMinMs: 50, backoffMaxMs: 200 });
  const view = herald.liveQuery('products', { filter: `doc.run == "${run}"` });
  const ids = () => view.getSnapshot().map((d) => d._id).sort();
  try {
    await until(() => ids().length === 3, 10000, 'the snapshot');
    p.refuse(true);
    p.cut();
    await until(() => herald.state === 'reconnecting', 5000, 'reconnecting');
    await rest('PATCH', doc('a'), { stock: 7 });
    await rest('DELETE', doc('b'));
    await rest('PUT', doc('d'), { run, stock: 2 });
    p.refuse(false);
    await until(() => ids().join() === [`${run}-a`, `${run}-c`, `${run}-d`].join(), 10000, () => `convergence (have ${ids()})`);
    assert.equal(view.getSnapshot().find((d) => d._id === `${run}-a`).stock, 7);
    const server = await rest('GET', `/api/v1/collections/products/docs?filter=${encodeURIComponent(`doc.run == "${run}"`)}`);
    assert.deepEqual(ids(), server.docs.map((d) => d._id).sort());
  } finally {
    herald.close();
    await p.close();
  }
});

test('an aggregate view only moves forward and converges after a reconnect', async () => {
  const p = await proxy();
  const herald = connect(p.url, { WebSocket, token: TOKEN, backoffMinMs: 50, backoffMaxMs: 200 });
  const view = herald.aggregate('sales');
  const byChannel = herald.aggregate('agg:sales');
  const versions = [];
  view.subscribe(() => versions.push(view.getSnapshot().version));
  const sell = (n) => rest('POST', '/api/v1/channels/sales/events', { type: 'purchase.completed', data: { batchCount: n } });
  try {
    await until(() => view.getSnapshot() !== null, 10000, 'the first snapshot');
    await sell(2);
    p.refuse(true);
    p.cut();
    await until(() => herald.state === 'reconnecting', 5000, 'reconnecting');
    await sell(3);
    p.refuse(false);
    const server = await rest('GET', '/api/v1/aggregates/sales');
    await until(() => view.getSnapshot().version === server.version, 10000, `version ${server.version}`);
    assert.deepEqual(view.getSnapshot().values, server.values);
    await until(() => byChannel.getSnapshot()?.version === server.version, 10000, 'the view by channel too');
    for (let i = 1; i < versions.length; i++) assert.ok(versions[i] > versions[i - 1], `versions ${versions}`);
  } finally {
    herald.close();
    await p.close();
  }
});

test('a presence view shows who is there and their status changes, and after a reconnect no one who left meanwhile', async () => {
  const room = `chat:sdk-presence-${Date.now()}`;
  const p = await proxy();
  const watcher = connect(p.url, { WebSocket, token: jwt('pia', 3600), backoffMinMs: 50, backoffMaxMs: 200 });
  const other = connect(HERALD.origin, { WebSocket, token: jwt('quentin', 3600) });
  const view = watcher.presence(room);
  const messages = [];
  watcher.subscribe(room, (e) => messages.push(e.type)); // a second handler on the same channel
  const who = () => view.getSnapshot().map((m) => m.userId).join();
  try {
    const others = other.presence(room);
    await until(() => who() === 'pia,quentin', 10000, () => `both (have ${who()})`);
    await others.update({ status: 'away' }); // quentin's status changes without leaving
    const status = () => view.getSnapshot().find((m) => m.userId === 'quentin')?.info.status;
    await until(() => status() === 'away', 5000, () => `quentin away (have ${status()})`);
    p.refuse(true);
    p.cut();
    await until(() => watcher.state === 'reconnecting', 5000, 'reconnecting');
    other.close(); // quentin leaves while pia is away
    await new Promise((r) => setTimeout(r, 300));
    p.refuse(false);
    await until(() => who() === 'pia', 10000, () => `only pia (have ${who()})`);
    assert.ok(messages.includes('presence.join'), 'the other handler on the channel got its events too');
  } finally {
    watcher.close();
    other.close();
    await p.close();
  }
});

test('an inbox view: a notification arrives live, a read in another tab reaches it, and it converges after a cut', async () => {
  const user = `sdk-inbox-${Date.now()}`;
  const send = (id) => rest('POST', '/api/v1/notifications', { to: { userId: user }, id, type: 'invoice.funded', title: id });
  await send(`${user}-1`);
  const p = await proxy();
  const tab = connect(p.url, { WebSocket, token: jwt(user, 3600), backoffMinMs: 50, backoffMaxMs: 200 });
  const otherTab = connect(HERALD.origin, { WebSocket, token: jwt(user, 3600) });
  const view = tab.inbox();
  const state = () => view.getSnapshot();
  try {
    await until(() => state().unreadCount === 1, 10000, 'the first page');
    await send(`${user}-2`);
    await until(() => state().notifications.length === 2 && state().unreadCount === 2, 10000, 'the live notification');
    await until(() => otherTab.state === 'connected', 10000, 'the other tab');
    await otherTab.inbox().markRead(`${user}-1`);
    await until(() => state().unreadCount === 1 && state().notifications.find((n) => n.id === `${user}-1`).read, 10000,
      'the read from the other tab');
    p.refuse(true);
    p.cut();
    await until(() => tab.state === 'reconnecting', 5000, 'reconnecting');
    await send(`${user}-3`);
    await otherTab.inbox().remove(`${user}-2`);
    p.refuse(false);
    await until(() => state().notifications.map((n) => n.id).join() === `${user}-3,${user}-1`, 10000,
      () => `convergence (have ${state().notifications.map((n) => n.id)})`);
    assert.equal(state().unreadCount, 1);
  } finally {
    tab.close();
    otherTab.close();
    await p.close();
  }
});

test('an inbox view gets notifications to the token\'s roles live too, with read state of its own', async () => {
  const run = Date.now();
  const role = `investors-${run}`;
  const tab = connect(HERALD.origin, { WebSocket, token: jwt(`sdk-ivy-${run}`, 3600, [role]) });
  const view = tab.inbox();
  const state = () => view.getSnapshot();
  let changes = 0;
  view.subscribe(() => changes++);
  try {
    await until(() => changes === 1, 10000, 'the first (empty) page'); // so what comes next can only come live
    await rest('POST', '/api/v1/notifications', { to: { role }, id: `${role}-1`, type: 'invoice.listed', title: 'new invoice' });
    await until(() => state().unreadCount === 1, 10000, () => `the role notification, live (have ${JSON.stringify(state())})`);
    assert.equal(state().notifications[0].id, `${role}-1`);
    await view.markRead(`${role}-1`);
    await until(() => state().unreadCount === 0 && state().notifications[0].read, 10000, 'read');
  } finally {
    tab.close();
  }
});

test('typing and viewer views follow another user on the channel', async () => {
  const room = `chat:sdk-typing-${Date.now()}`;
  const a = connect(HERALD.origin, { WebSocket, token: jwt('tara', 3600) });
  const b = connect(HERALD.origin, { WebSocket, token: jwt('uli', 3600) });
  const typing = a.typing(room);
  const viewers = a.viewers(room);
  try {
    const bTyping = b.typing(room);
    await until(() => a.state === 'connected' && b.state === 'connected', 10000, 'both connected');
    await until(() => viewers.getSnapshot() === 2, 10000, () => `two viewers (have ${viewers.getSnapshot()})`);
    await bTyping.typing(true);
    await until(() => typing.getSnapshot().join() === 'uli', 10000, 'uli typing');
    await bTyping.typing(false);
    await until(() => typing.getSnapshot().length === 0, 10000, 'uli stopped');
    b.close();
    await until(() => viewers.getSnapshot() === 1, 10000, () => `one viewer (have ${viewers.getSnapshot()})`);
  } finally {
    a.close();
    b.close();
  }
});
