// How the SDK spaces reconnects by the close code a server sends: 1001 (going away), 1012 (restart:
// a node draining) and 1013 (try again later) mean "reconnect now" (with jitter under backoffMinMs);
// 1008 (policy) a longer backoff. A stand-in server closes every socket with the code under test;
// Math.random is pinned so the jitter is known.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { WebSocketServer } from 'ws';
import WebSocket from 'ws';
import { connect } from '../herald.js';
import { until } from '../test-support/support.mjs';

Math.random = () => 0.99;

/** Gaps between connections while the server closes each one with `code`. */
async function gaps(code, count) {
  const server = new WebSocketServer({ host: '127.0.0.1', port: 0 });
  await new Promise((r) => server.once('listening', r));
  const at = [];
  server.on('connection', (socket) => {
    at.push(Date.now());
    socket.close(code, 'test');
  });
  const herald = connect(`http://127.0.0.1:${server.address().port}`, {
    WebSocket, backoffMinMs: 100, backoffMaxMs: 5000, transports: ['websocket'],
  });
  try {
    await until(() => at.length > count, 20000, () => `${count + 1} connections (have ${at.length})`);
    return at.slice(1).map((t, i) => t - at[i]);
  } finally {
    herald.close();
    await new Promise((r) => server.close(r));
  }
}

for (const code of [1001, 1012, 1013]) {
  test(`close ${code}: reconnect at once, under backoffMinMs`, async () => {
    const waits = await gaps(code, 4);
    assert.ok(waits.every((w) => w < 400), `gaps ${waits}`);
  });
}

test('close 1008 (policy): a longer backoff than a plain drop', async () => {
  const waits = await gaps(1008, 2);
  assert.ok(waits.every((w) => w >= 700), `gaps ${waits}`); // 0.99 x min(5000, 100 x 2^3)
});
