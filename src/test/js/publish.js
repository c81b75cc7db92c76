#!/usr/bin/env node
// Publishes events to one Herald channel over REST (Node's built-in fetch), as fast as it can with
// a few requests in flight, then exits.
//
//   HERALD_API_KEY=... node publish.js --base http://127.0.0.1:8080 --channel sales:x --count 300 \
//        [--first 51] [--type tick] [--concurrency 4] [--api-key KEY] [--timeout-ms 60000]
//        [--hold-at N --hold-file PATH]   (wait before event N until PATH exists)
//
// Event i (i = first, first+1, ...) is {type, data: {n: i}, id: "<channel>-<i>"}; the id makes a
// retried request idempotent. Each receipt goes to stdout as a JSON line; any failure exits non-zero.
'use strict';
const fs = require('node:fs');

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i += 2) {
    if (!argv[i].startsWith('--') || i + 1 >= argv.length) {
      throw new Error('bad arguments near ' + argv[i]);
    }
    args[argv[i].slice(2)] = argv[i + 1];
  }
  return args;
}

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const base = args.base;
  const channel = args.channel;
  const count = Number(args.count);
  const first = Number(args.first || 1);
  const type = args.type || 'tick';
  const concurrency = Number(args.concurrency || 4);
  const apiKey = args['api-key'] || process.env.HERALD_API_KEY;
  const deadline = Date.now() + Number(args['timeout-ms'] || 60000);
  if (!base || !channel || !(count > 0) || !apiKey) {
    throw new Error('usage: publish.js --base URL --channel C --count N (and an API key)');
  }
  const url = base + '/api/v1/channels/' + encodeURIComponent(channel) + '/events';
  const holdAt = Number(args['hold-at'] || 0);
  const holdFile = args['hold-file'];

  // Lets a test put a subscriber in place while publishing is provably mid-stream.
  async function holdIfAsked(n) {
    while (holdAt && n >= holdAt && !fs.existsSync(holdFile)) {
      if (Date.now() > deadline) {
        throw new Error('timed out waiting for ' + holdFile);
      }
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  }

  let next = first;
  const end = first + count;
  async function worker() {
    while (next < end) {
      const n = next++;
      await holdIfAsked(n);
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new Error('timed out before publishing event ' + n);
      }
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Api-Key': apiKey },
        body: JSON.stringify({ type: type, data: { n: n }, id: channel + '-' + n }),
        signal: AbortSignal.timeout(left),
      });
      const text = await res.text();
      if (res.status !== 201) {
        throw new Error('event ' + n + ': HTTP ' + res.status + ' ' + text);
      }
      process.stdout.write(text + '\n');
    }
  }
  const workers = [];
  for (let i = 0; i < concurrency; i++) {
    workers.push(worker());
  }
  await Promise.all(workers);
}

main().then(
  () => process.stdout.write('', () => process.exit(0)),
  (err) => {
    process.stderr.write('publish.js: ' + (err && err.stack || err) + '\n');
    process.exit(1);
  });
