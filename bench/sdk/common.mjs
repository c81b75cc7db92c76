// Shared by the orchestrator (bench.mjs) and its child processes: clock, tokens, HTTP, statistics.
import crypto from 'node:crypto';
import http from 'node:http';

/** Wall-clock milliseconds with sub-ms precision; comparable across the processes of one machine. */
export const now = () => performance.timeOrigin + performance.now();

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

export function log(...parts) {
  process.stderr.write(`[sdk-bench ${new Date().toISOString().slice(11, 19)}] ${parts.join(' ')}\n`);
}

/** An HS256 JWT with sub and exp (an hour), as Herald's HERALD_JWT_SECRET expects. */
export function jwt(secret, sub) {
  const b64 = (o) => Buffer.from(JSON.stringify(o)).toString('base64url');
  const iat = Math.floor(Date.now() / 1000);
  const head = `${b64({ alg: 'HS256', typ: 'JWT' })}.${b64({ sub, iat, exp: iat + 3600 })}`;
  return `${head}.${crypto.createHmac('sha256', secret).update(head).digest('base64url')}`;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

/** One HTTP request to 127.0.0.1:port; resolves {status, body} or rejects (refused, reset, timeout). */
export function request(port, method, path, { headers = {}, body, timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const payload = body === undefined ? undefined : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body));
    const req = http.request({
      host: '127.0.0.1', port, method, path, agent,
      headers: { ...(payload ? { 'content-type': 'application/json', 'content-length': payload.length } : {}), ...headers },
    }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`timeout after ${timeoutMs} ms`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** Drops the kept-alive connections (after a server restart they point at a dead process). */
export function resetConnections() {
  agent.destroy();
}

/** {n, min, p50, p90, p99, max} of numbers (ms), rounded to 0.1. */
export function dist(values) {
  const v = values.filter((x) => x !== null && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return { n: 0 };
  const at = (q) => v[Math.min(v.length - 1, Math.max(0, Math.ceil(q * v.length) - 1))];
  const r = (x) => Math.round(x * 10) / 10;
  return { n: v.length, min: r(v[0]), p50: r(at(0.5)), p90: r(at(0.9)), p99: r(at(0.99)), max: r(v[v.length - 1]) };
}

export const round = (x, digits = 1) => (x === null || x === undefined ? null : Math.round(x * 10 ** digits) / 10 ** digits);

export function median(values) {
  const v = [...values].sort((a, b) => a - b);
  if (v.length === 0) return null;
  return v.length % 2 ? v[(v.length - 1) / 2] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
}

/** Makes a child process's life end with its parent's: the IPC channel closing ends it. */
export function dieWithParent() {
  process.on('disconnect', () => process.exit(0));
}
