// What the SDK's tests share: the node under test (HERALD_URL, HERALD_API_KEY, HERALD_JWT_SECRET;
// the Java suite's SdkTest starts one), a proxy to it that the tests can cut, and REST helpers.
import assert from 'node:assert/strict';
import net from 'node:net';
import crypto from 'node:crypto';

export const HERALD = new URL(process.env.HERALD_URL ?? 'http://127.0.0.1:8080');
const API_KEY = process.env.HERALD_API_KEY;

/**
 * A TCP proxy to Herald: cut() drops every connection; refuse(true) turns new ones away; block(re)
 * answers 403 to HTTP requests whose path matches (as a proxy that lets no WebSocket through would);
 * unavailable(re) answers them 503 as a draining node does;
 * attempts lists when each connection came.
 */
export async function proxy() {
  const sockets = new Set();
  let refusing = false;
  let blocked = null;
  let unavailable = null;
  const attempts = []; // when each connection came, refused or not
  const server = net.createServer((client) => {
    attempts.push(Date.now());
    if (refusing) return client.destroy();
    const upstream = net.connect(Number(HERALD.port), HERALD.hostname);
    sockets.add(client).add(upstream);
    client.on('data', (chunk) => {
      const request = /^[A-Z]+ (\S+) HTTP\//.exec(chunk.toString('latin1', 0, Math.min(chunk.length, 2048)));
      if (request && blocked?.test(request[1])) {
        client.end('HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
        upstream.destroy();
      } else if (request && unavailable?.test(request[1])) {
        const body = '{"error":{"code":"unavailable","message":"this node is shutting down"}}';
        client.end(`HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
        upstream.destroy();
      } else {
        upstream.write(chunk);
      }
    });
    upstream.pipe(client);
    const drop = () => { client.destroy(); upstream.destroy(); sockets.delete(client); sockets.delete(upstream); };
    client.on('error', drop).on('close', drop);
    upstream.on('error', drop).on('close', drop);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    cut: () => { for (const s of sockets) s.destroy(); sockets.clear(); },
    refuse: (on) => { refusing = on; },
    block: (re) => { blocked = re; },
    unavailable: (re) => { unavailable = re; },
    attempts,
    close: () => new Promise((r) => { for (const s of sockets) s.destroy(); server.close(r); }),
  };
}

export async function publishRest(channel, n) {
  const r = await fetch(new URL(`/api/v1/channels/${channel}/events`, HERALD), {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Api-Key': API_KEY },
    body: JSON.stringify({ type: 'n', data: { n }, id: `${channel}-${n}` }),
  });
  assert.equal(r.status, 201, await r.text());
}

/** Publishes 1..total over REST, `batch` at a time, while the test does what it does meanwhile. */
export function publishing(channel, total, batch) {
  return (async () => {
    for (let n = 1; n <= total; n += batch) {
      await Promise.all(Array.from({ length: Math.min(batch, total - n + 1) }, (_, i) => publishRest(channel, n + i)));
    }
  })();
}

export async function history(channel) {
  const r = await fetch(new URL(`/api/v1/channels/${channel}/events?limit=1000`, HERALD), { headers: { 'X-Api-Key': API_KEY } });
  return (await r.json()).events;
}

export function until(predicate, timeoutMs, what) {
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const tick = () => {
      if (predicate()) return resolve();
      if (Date.now() - started > timeoutMs) return reject(new Error(`timed out waiting for ${typeof what === 'function' ? what() : what}`));
      setTimeout(tick, 20);
    };
    tick();
  });
}

export function jwt(sub, secondsValid, roles = []) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const head = b64({ alg: 'HS256', typ: 'JWT' });
  const claims = b64({ sub, exp: Math.floor(Date.now() / 1000) + secondsValid, ...(roles.length > 0 ? { roles } : {}) });
  const sig = crypto.createHmac('sha256', process.env.HERALD_JWT_SECRET).update(`${head}.${claims}`).digest('base64url');
  return `${head}.${claims}.${sig}`;
}

export async function rest(method, path, body) {
  const r = await fetch(new URL(path, HERALD), {
    method, headers: { 'Content-Type': 'application/json', 'X-Api-Key': API_KEY }, body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await r.text();
  assert.ok(r.status < 300, `${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}
