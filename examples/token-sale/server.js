// Token-sale example: the app server in front of Herald. It takes purchases, refuses those that
// would sell past the goal (409), publishes `purchase.pending` at once and `purchase.completed`
// after a simulated payment. Browsers watch `agg:sales` (sold / remaining / %) and `sales` (a
// toast per purchase) straight from Herald; nothing here pushes to browsers itself.
//
//   HERALD_URL=http://localhost:8080 HERALD_API_KEY=... node server.js
//   curl -X POST localhost:3000/purchases -H 'Content-Type: application/json' -d '{"batchCount":2,"tier":"gold"}'
'use strict';
const http = require('node:http');
const crypto = require('node:crypto');

const HERALD_URL = process.env.HERALD_URL || 'http://localhost:8080';
const API_KEY = process.env.HERALD_API_KEY || '';
const PORT = Number(process.env.PORT || 3000);
const PAYMENT_DELAY_MS = Number(process.env.PAYMENT_DELAY_MS || 5000);
const MAX_BATCHES_PER_PURCHASE = 100;

// Batches of purchases accepted but not completed yet: Herald's aggregate counts completed
// ones, so the goal check must add these to avoid selling the same batches twice.
let reserved = 0;

async function herald(method, path, body) {
  const res = await fetch(HERALD_URL + path, {
    method,
    headers: { 'X-Api-Key': API_KEY, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`Herald ${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function publish(type, purchase) {
  // the event id makes a retried publish idempotent: a purchase is never counted twice
  return herald('POST', '/api/v1/channels/sales/events', { id: `${purchase.purchaseId}:${type}`, type, data: purchase });
}

async function accept(req) {
  const { batchCount, tier } = req;
  if (!Number.isInteger(batchCount) || batchCount < 1 || batchCount > MAX_BATCHES_PER_PURCHASE) {
    return [400, { error: { code: 'invalid_purchase', message: `batchCount must be a whole number from 1 to ${MAX_BATCHES_PER_PURCHASE}` } }];
  }
  if (typeof tier !== 'string' || tier.length === 0 || tier.length > 50) {
    return [400, { error: { code: 'invalid_purchase', message: 'tier must be a non-empty string' } }];
  }
  // Reserve before the first await: Node runs this synchronously, so two purchases cannot both
  // take the last batches. The sold count is read right after, and the reservation undone if over.
  reserved += batchCount;
  let values;
  try {
    values = (await herald('GET', '/api/v1/aggregates/sales')).values;
  } catch (e) {
    reserved -= batchCount;
    return [503, { error: { code: 'unavailable', message: 'Herald is not reachable; nothing was bought' } }];
  }
  const left = values.remainingBatches - reserved + batchCount; // what is free for this purchase
  if (batchCount > left) {
    reserved -= batchCount;
    return [409, { error: { code: 'sold_out', message: `only ${Math.max(left, 0)} batches are left` } }];
  }
  const purchase = { purchaseId: crypto.randomUUID(), batchCount, tier, at: new Date().toISOString() };
  await publish('purchase.pending', purchase);
  setTimeout(async () => {
    try {
      await publish('purchase.completed', purchase);
    } finally {
      reserved -= batchCount;
    }
  }, PAYMENT_DELAY_MS);
  return [202, { purchaseId: purchase.purchaseId, status: 'pending', completesInMs: PAYMENT_DELAY_MS }];
}

const server = http.createServer((req, res) => {
  const reply = (status, json) => {
    res.writeHead(status, { 'Content-Type': 'application/json' });
    res.end(JSON.stringify(json));
  };
  if (req.method !== 'POST' || req.url !== '/purchases') {
    return reply(404, { error: { code: 'not_found', message: 'POST /purchases {batchCount, tier}' } });
  }
  let body = '';
  req.on('data', (chunk) => {
    body += chunk;
    if (body.length > 10_000) req.destroy();
  });
  req.on('end', async () => {
    let parsed;
    try {
      parsed = JSON.parse(body);
    } catch {
      return reply(400, { error: { code: 'invalid_json', message: 'the body is not valid JSON' } });
    }
    try {
      const [status, json] = await accept(parsed || {});
      reply(status, json);
    } catch (e) {
      reply(502, { error: { code: 'herald_error', message: e.message } });
    }
  });
});

server.listen(PORT, '127.0.0.1', () => console.log(`token-sale listening on http://127.0.0.1:${server.address().port}`));
