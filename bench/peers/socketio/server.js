// Socket.IO 4.8 peer for bench/run-compare.sh and bench/run-sdk.sh: one process, websocket
// transport only, rooms.
//   client → server: event "join" (room) with an ack: the socket joins the room, the ack says so
//   HTTP POST /publish: one {room, event, data} or an array of them → io.to(room).emit(event, data)
//     An item with "numbered": true is emitted as {epoch, seq, data} instead: seq counts that
//     room's numbered emits in this process (from 1), epoch is this process's start time (ms), so
//     (epoch, seq) orders what a restarted server emits after what the previous one did; the reply
//     then carries "receipts": [{room, epoch, seq} | null per item] (what was emitted, i.e.
//     acknowledged to the publisher). Kept in memory only: a restart starts again at seq 1.
//   HTTP GET /health: 200 once listening
//   HTTP GET /memory: process.memoryUsage() right after a full GC (run with node --expose-gc)
// Listens on 127.0.0.1:$PORT only. No auth, no persistence: what a typical Socket.IO app does.
// SOCKETIO_RECOVERY=1 turns on Socket.IO's connection state recovery with its defaults
// (maxDisconnectionDuration 2 min, missed packets kept in this process's memory); off otherwise.
'use strict';
const http = require('http');
const { Server } = require('socket.io');

const port = Number(process.env.PORT || 0);
const MAX_BODY = 1 << 20;
const recovery = process.env.SOCKETIO_RECOVERY === '1';
const epoch = Date.now();
const seqs = new Map(); // room -> last seq of its numbered emits

const httpServer = http.createServer((req, res) => {
  if (req.method === 'GET' && req.url === '/health') {
    res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    return;
  }
  if (req.method === 'GET' && req.url === '/memory') {
    // heap after a full GC (needs node --expose-gc; without it the figures include garbage)
    if (global.gc) {
      global.gc();
      global.gc();
    }
    res.writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ ...process.memoryUsage(), gc: Boolean(global.gc) }));
    return;
  }
  if (req.method !== 'POST' || req.url !== '/publish') {
    res.writeHead(404).end();
    return;
  }
  const chunks = [];
  let size = 0;
  req.on('data', (c) => {
    size += c.length;
    if (size > MAX_BODY) req.destroy();
    else chunks.push(c);
  });
  req.on('end', () => {
    let items;
    try {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      items = Array.isArray(body) ? body : [body];
    } catch (e) {
      res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"invalid_json"}');
      return;
    }
    let receipts = null;
    items.forEach(({ room, event, data, numbered }, i) => {
      const r = String(room);
      if (numbered) {
        const seq = (seqs.get(r) || 0) + 1;
        seqs.set(r, seq);
        io.to(r).emit(event || 'event', { epoch, seq, data });
        (receipts ??= new Array(items.length).fill(null))[i] = { room: r, epoch, seq };
      } else {
        io.to(r).emit(event || 'event', data);
      }
    });
    res.writeHead(200, { 'content-type': 'application/json' })
      .end(receipts ? JSON.stringify({ published: items.length, receipts }) : `{"published":${items.length}}`);
  });
});

const io = new Server(httpServer, {
  transports: ['websocket'],
  serveClient: false,
  ...(recovery ? { connectionStateRecovery: {} } : {}),
});
io.on('connection', (socket) => {
  socket.on('join', (room, ack) => {
    socket.join(String(room));
    if (typeof ack === 'function') ack(true);
  });
});

httpServer.listen(port, '127.0.0.1', () => {
  console.error(`socket.io ${require('socket.io/package.json').version} peer on 127.0.0.1:${httpServer.address().port}`
    + (recovery ? ', connection state recovery on' : ''));
});
for (const sig of ['SIGTERM', 'SIGINT']) process.on(sig, () => process.exit(0));
