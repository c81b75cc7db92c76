#!/usr/bin/env node
// Subscribes to one Herald channel with the OFFICIAL Vert.x event-bus bridge client, unmodified,
// and prints every delivered envelope as one JSON line on stdout.
//
//   node subscribe.js --url http://127.0.0.1:8080/eventbus --channel sales:x --since 20 \
//        --count 330 [--since-as-string] [--transport websocket|xhr-streaming|xhr-polling] \
//        [--token JWT] [--filter CEL] [--timeout-ms 30000] [--linger-ms 0]
// (--filter makes it a live query's register: --channel live:{collection}:{name})
//
// Exits 0 once --count envelopes have arrived, after listening --linger-ms longer so that any
// extra (duplicate or unexpected) delivery is printed too. On an err frame, a closed socket or the timeout it
// exits non-zero (what it got so far is already on stdout). Progress goes to stderr as JSON lines:
// {"event":"open","transport":...}, {"event":"registered"}, {"event":"done"|"timeout"|"error"|"close"}.
'use strict';

const EventBus = require('@vertx/eventbus-bridge-client.js');

function parseArgs(argv) {
  const args = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith('--')) {
      throw new Error('unexpected argument ' + a);
    }
    const name = a.slice(2);
    if (name === 'since-as-string') {
      args[name] = true;
    } else {
      if (i + 1 >= argv.length) {
        throw new Error('missing value for ' + a);
      }
      args[name] = argv[++i];
    }
  }
  return args;
}

function status(obj) {
  process.stderr.write(JSON.stringify(obj) + '\n');
}

const args = parseArgs(process.argv.slice(2));
const url = args.url;
const channel = args.channel;
const count = Number(args.count);
const timeoutMs = Number(args['timeout-ms'] || 30000);
const lingerMs = Number(args['linger-ms'] || 0);
if (!url || !channel || !(count > 0)) {
  status({ event: 'error', message: 'usage: subscribe.js --url U --channel C --count N [--since S]' });
  process.exit(2);
}

// Everything after `options.vertxbus_*` is handed to SockJS as is; `transports` restricts it.
const options = {};
if (args.transport) {
  options.transports = [args.transport];
}
const fullUrl = args.token ? url + '?token=' + encodeURIComponent(args.token) : url;
const eb = new EventBus(fullUrl, options);
let received = 0;
let finished = false;

// stdout is a pipe: exit only once everything written has been flushed.
function finish(code, info) {
  if (finished) {
    return;
  }
  finished = true;
  clearTimeout(timer);
  status(Object.assign({ received: received }, info));
  try {
    eb.close();
  } catch (e) {
    // already closed
  }
  process.stdout.write('', () => process.exit(code));
}

const timer = setTimeout(() => finish(3, { event: 'timeout' }), timeoutMs);

eb.onerror = (err) => finish(4, { event: 'error', error: err });
eb.onclose = (e) => finish(5, { event: 'close', code: e && e.code, reason: e && e.reason });

eb.onopen = () => {
  status({ event: 'open', transport: eb.sockJSConn.transport });
  const headers = {};
  if (args.since !== undefined) {
    // Vert.x headers are strings; Herald also takes a plain number.
    headers.since = args['since-as-string'] ? String(args.since) : Number(args.since);
  }
  if (args.filter !== undefined) {
    headers.filter = args.filter;
  }
  eb.registerHandler(channel, headers, (err, msg) => {
    if (err) {
      finish(4, { event: 'error', error: err });
      return;
    }
    process.stdout.write(JSON.stringify(msg.body) + '\n');
    received++;
    if (received === count) {
      setTimeout(() => finish(0, { event: 'done' }), lingerMs);
    }
  });
  status({ event: 'registered', headers: headers });
};
