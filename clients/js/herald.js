// Herald JS SDK: every stored event exactly once and in order, across reconnects.
// One ES module, no build step: `import { connect } from '/sdk/herald.js'` in a page, or from the
// npm package in node 20 (which has no global WebSocket: pass `WebSocket` from 'ws', or let the
// SDK import it).

import { PollingSocket } from './polling.js';

const STATES = ['connecting', 'connected', 'reconnecting', 'disconnected'];

/** Opens a client on a Herald base URL (http[s]://host:port). */
export function connect(url, options = {}) {
  return new HeraldClient(url, options);
}

export class HeraldClient {
  constructor(url, options = {}) {
    this.url = url.replace(/\/+$/, '');
    this.options = {
      token: null,
      getToken: null,
      WebSocket: null,
      backoffMinMs: 250,
      backoffMaxMs: 10000,
      outboxLimit: 1000,
      maxInFlight: 32,
      transports: ['websocket', 'sockjs', 'polling'],
      SockJS: null,
      pollIntervalMs: 1000,
      upgradeIntervalMs: 30000,
      pingIntervalMs: 25000,
      pingTimeoutMs: 10000,
      ...options,
    };
    this.state = 'connecting';
    /** The transport in use ('websocket', 'sockjs' or 'polling'; null before the first connection). */
    this.transport = null;
    /** The token's subject once the server accepted it (its user:{sub} channel is the inbox's). */
    this.user = null;
    /** The token's roles (its role:{r} channels carry notifications to a role). */
    this.roles = [];
    this._listeners = new Map();
    this._subs = new Map();
    this._replies = new Map();
    this._acks = new Map(); // register replyAddress -> its subscription
    this._outbox = [];
    this._writes = Promise.resolve(); // the last document write: the next one waits for its answer
    this._inFlight = 0;
    this._attempt = 0;
    this._queries = 0;
    this._closed = false;
    this._socket = null;
    this._ready = false; // the socket is open and authenticated: frames may go
    this._kind = 0; // index in options.transports of the transport in use
    this._misses = 0; // opens failed in a row while the node answered HTTP
    this._open();
  }

  /** Listens for 'state' (the new state), 'error', 'auth_error' and 'discontinuity' ({channel, from, to}). */
  on(event, listener) {
    if (!this._listeners.has(event)) this._listeners.set(event, new Set());
    this._listeners.get(event).add(listener);
    return () => this._listeners.get(event).delete(listener);
  }

  /**
   * Calls handler(envelope) for every event of the channel, strictly in seq order, exactly once:
   * after a reconnect it resumes from the last seq it delivered, fills gaps from history, drops
   * what it has seen. {since}: start after that seq (0: every kept event); without it, live only.
   */
  subscribe(channel, handler, { since } = {}) {
    const sub = this._channel(channel, handler, since);
    return { unsubscribe: () => this._removeHandler(sub, handler) };
  }

  _channel(channel, handler, since) {
    const existing = this._subs.get(channel);
    if (existing && existing.handlers) { // one registration per channel; a later handler joins it from where it is
      existing.handlers.add(handler);
      return existing;
    }
    const sub = {
      channel, handlers: new Set([handler]), last: since ?? null, pending: new Map(), filling: false,
      placed: false, onPlaced: new Set(),
      headers: () => (sub.last === null ? {} : { since: sub.last }),
      onEnvelope: (envelope) => this._onEvent(sub, envelope),
    };
    this._add(sub);
    return sub;
  }

  _removeHandler(sub, handler) {
    sub.handlers.delete(handler);
    if (sub.handlers.size === 0) this._unsubscribe(sub);
  }

  /**
   * A view read from a snapshot and then kept by the events of its channels. The snapshot is read
   * (load) each time the subscriptions are all in place on a socket, i.e. once the server
   * acknowledged their registers: a change made between the read and a subscription is then in one
   * or the other. Events that arrive while it is read are applied after it (reset), in order.
   */
  _kept(channels, { load, reset, apply }) {
    let early = null; // events waiting for the snapshot being read
    const handler = (e) => (early ? early.push(e) : apply(e));
    const subs = channels.map((channel) => this._channel(channel, handler));
    const refresh = async () => {
      if (!subs.every((sub) => sub.placed)) return;
      const mine = (early = []);
      try {
        const snapshot = await load();
        if (early !== mine) return; // a later read (another socket) supersedes this one
        reset(snapshot);
      } catch (e) {
        this._emit('error', e);
      }
      if (early !== mine) return;
      early = null;
      for (const e of mine) apply(e);
    };
    for (const sub of subs) sub.onPlaced.add(refresh);
    refresh();
    return {
      unsubscribe: () => {
        for (const sub of subs) {
          sub.onPlaced.delete(refresh);
          this._removeHandler(sub, handler);
        }
      },
    };
  }

  /**
   * The user's notification inbox, kept: getSnapshot() is {notifications (newest first, the first
   * page), unreadCount}, read again after every reconnect and kept live from the user's channel
   * (a new notification, and read / delete / clear made in any tab) and the token's role channels
   * (notifications to a role). markRead(id), readAll(),
   * remove(id) and clear() change it on the server (the change comes back live, to every tab).
   */
  inbox({ limit = 50 } = {}) {
    const view = new View({ notifications: [], unreadCount: 0 });
    let subscribed = null;
    const set = (notifications, unreadCount) => view._set({ notifications, unreadCount });
    const live = (e) => {
      const { notifications, unreadCount } = view.getSnapshot();
      if (e.type === 'notification') {
        if (!notifications.some((n) => n.id === e.data.id)) set([{ ...e.data, read: false }, ...notifications], unreadCount + 1);
      } else if (e.type === 'inbox.read') {
        const read = (n) => e.data.all || e.data.ids.includes(n.id);
        set(notifications.map((n) => (read(n) ? { ...n, read: true } : n)), e.data.unreadCount);
      } else if (e.type === 'inbox.deleted') {
        set(notifications.filter((n) => n.id !== e.data.id), e.data.unreadCount);
      } else if (e.type === 'inbox.cleared') {
        set([], e.data.unreadCount);
      }
    };
    const attach = () => { // the user's channel is known once the server accepted the token
      if (subscribed || !this.user) return;
      subscribed = this._kept([`user:${this.user}`, ...this.roles.map((r) => `role:${r}`)], {
        load: () => this._request('herald.inbox.list', { limit }),
        reset: (page) => set(page.notifications, page.unreadCount),
        apply: live,
      });
    };
    const off = this.on('state', (state) => { if (state === 'connected') attach(); });
    attach();
    Object.assign(view, {
      markRead: (id) => this._request('herald.inbox.read', { id }),
      readAll: () => this._request('herald.inbox.readAll', {}),
      remove: (id) => this._request('herald.inbox.delete', { id }),
      clear: () => this._request('herald.inbox.clear', {}),
      close: () => { subscribed?.unsubscribe(); off(); },
    });
    return view;
  }

  /** How many sockets watch a channel with viewer counts, kept: getSnapshot() is the count (null before the first). */
  viewers(channel) {
    const view = new View(null);
    const sub = this.subscribe(channel, (e) => { if (e.type === 'viewers') view._set(e.data.count); });
    view.close = sub.unsubscribe;
    return view;
  }

  /**
   * Who is typing on a channel, kept: getSnapshot() is the sorted userIds. typing(true|false) says
   * it for this user (herald.typing); the server ends a typing nobody renews.
   */
  typing(channel) {
    const view = new View([]);
    const who = new Set();
    const sub = this.subscribe(channel, (e) => {
      if (e.type === 'typing.start') who.add(e.data.userId);
      else if (e.type === 'typing.stop') who.delete(e.data.userId);
      else return;
      view._set([...who].sort());
    });
    const off = this.on('state', (state) => { if (state === 'reconnecting' && who.size > 0) { who.clear(); view._set([]); } });
    Object.assign(view, {
      typing: (on = true) => this._request('herald.typing', { channel, typing: on }),
      close: () => { sub.unsubscribe(); off(); },
    });
    return view;
  }

  /**
   * Who is on a channel with presence, kept: getSnapshot() is [{userId, info, connections}] by
   * userId, from herald.presence and then presence.join / update / leave; read again after every
   * reconnect, so a member who left meanwhile is gone.
   */
  presence(channel) {
    const view = new View([]);
    const members = new Map();
    const show = () => view._set([...members.values()].sort((a, b) => (a.userId < b.userId ? -1 : 1)));
    const sub = this._kept([channel], {
      load: () => this._request('herald.presence', { channel }),
      reset: (snapshot) => {
        members.clear();
        for (const m of snapshot.members) members.set(m.userId, m);
        show();
      },
      apply: (e) => {
        if (e.type === 'presence.leave') members.delete(e.data.userId);
        else if (e.type === 'presence.join' || e.type === 'presence.update') members.set(e.data.userId, e.data);
        else return;
        show();
      },
    });
    view.close = sub.unsubscribe;
    // this user's info here (a status, say), told to everyone on the channel as presence.update
    view.update = (info) => this._request('herald.presence.update', { channel, info });
    return view;
  }

  /**
   * An aggregate's current snapshot, kept: getSnapshot() is the newest {name, version, values,
   * groups?} (null before the first); versions only move forward, across reconnects too.
   * {group} picks one group of an aggregate kept per group. A name with ':' is taken as the
   * snapshot channel itself (e.g. 'agg:sales'); such a view does not move while polling (snapshots
   * are pushed, not stored), a view by name reads the snapshot every poll interval then.
   */
  aggregate(name, { group } = {}) {
    const view = new View(null);
    const take = (snapshot) => {
      if (view.getSnapshot() === null || snapshot.version > view.getSnapshot().version) view._set(snapshot);
    };
    let sub = null;
    let closed = false;
    const follow = (channel) => {
      // a new subscriber to a snapshot channel gets the current snapshot first
      sub = this.subscribe(channel, (e) => { if (e.type === 'aggregate.snapshot') take(e.data); });
    };
    const read = () => this._request('herald.aggregate', { name, ...(group === undefined ? {} : { group }) });
    let timer = null;
    if (name.includes(':')) {
      follow(name);
    } else {
      read().then(({ channel, ...snapshot }) => {
        take(snapshot);
        if (!closed) follow(channel);
      }, (e) => this._emit('error', e));
      // snapshots are pushed, never stored: polling the history sees none, so a polling client reads them
      timer = setInterval(() => {
        if (this._closed) clearInterval(timer);
        else if (this.transport === 'polling' && this.state === 'connected') read().then(({ channel, ...snapshot }) => take(snapshot), () => {});
      }, this.options.pollIntervalMs);
      timer.unref?.(); // in node, a view left open does not keep the process alive
    }
    view.close = () => {
      closed = true;
      clearInterval(timer);
      sub?.unsubscribe();
    };
    return view;
  }

  /**
   * A live query's result, kept: getSnapshot() is the list of documents the query holds, from its
   * query.snapshot and then each appear / update / disappear (a reset replaces it). After a
   * reconnect it resumes from the last change seq it applied, so it converges to the server's
   * state without a fresh snapshot unless the server says reset.
   */
  liveQuery(collection, { filter, orderBy, limit } = {}) {
    const view = new View([]);
    const docs = new Map();
    const options = {};
    if (filter !== undefined) options.filter = filter;
    if (orderBy !== undefined) options.orderBy = orderBy;
    if (limit !== undefined) options.limit = limit;
    const sub = {
      channel: `live:${collection}:q${++this._queries}`, last: null,
      headers: () => (sub.last === null ? { ...options } : { ...options, since: sub.last }),
      onEnvelope: (e) => {
        if (e.type === 'query.snapshot') {
          docs.clear();
          for (const d of e.data.docs) docs.set(d._id, d);
        } else if (typeof e.seq !== 'number' || (sub.last !== null && e.seq <= sub.last)) {
          return; // seen
        } else if (e.type === 'disappear') {
          docs.delete(e.id);
        } else {
          docs.set(e.id, e.data);
        }
        sub.last = e.seq;
        view._set([...docs.values()]);
      },
    };
    view.close = this._add(sub).unsubscribe;
    return view;
  }

  /** A page of history: {since, limit} forwards, or {before, limit} backwards (newest first). */
  history(channel, { since, before, limit } = {}) {
    const body = { channel };
    if (since !== undefined) body.since = since;
    if (before !== undefined) body.before = before;
    if (limit !== undefined) body.limit = limit;
    return this._request('herald.history', body);
  }

  /**
   * Publishes and resolves with the receipt {channel, seq, id, ts}. The event gets an id here, so
   * a resend after a lost reply or a reconnect is the same event (the server stores it once).
   * While offline, publishes wait in order (up to outboxLimit; beyond, they are refused at once).
   */
  publish(channel, type, data, { id } = {}) {
    return this._request('herald.publish', { channel, type, data, id: id ?? randomId() });
  }

  /**
   * Writes to a collection's documents, queued while offline like publishes and applied in the
   * order made: each is sent once the one before it is answered (the server may commit two writes
   * in flight in either order). put (create or replace) and delete can be resent safely; with
   * {ifMatch: rev} a write applies only to that rev (0: only if absent), and a stale one rejects with
   * code 409 and error.current, the document as it is. A resent write that had applied before its
   * reply was lost also comes back as 409; its current doc is then this client's own write.
   */
  collection(name) {
    const write = (op, id, fields, ifMatch) => {
      const body = { op, collection: name, id, ...fields, ...(ifMatch === undefined ? {} : { ifMatch }) };
      const written = this._writes.then(() => this._request('herald.docs.write', body));
      this._writes = written.catch(() => {}); // the next write goes after this one, answered or refused
      return written;
    };
    return {
      put: (id, doc, { ifMatch } = {}) => write('put', id, { doc }, ifMatch),
      patch: (id, patch, { ifMatch } = {}) => write('patch', id, { patch }, ifMatch),
      delete: (id, { ifMatch } = {}) => write('delete', id, {}, ifMatch),
    };
  }

  /** Closes for good: no reconnect. */
  close() {
    this._closed = true;
    clearTimeout(this._refresh);
    clearTimeout(this._upgrade);
    this._setState('disconnected');
    if (this._socket) this._socket.close(1000);
    for (const r of this._replies.values()) r.reject(new Error('closed'));
    this._replies.clear();
    for (const r of this._outbox) r.reject(new Error('closed'));
    this._outbox = [];
  }

  // ---- connection ----

  /**
   * Opens the transport in use. One that cannot open while the node answers HTTP (a proxy that
   * refuses WebSockets, say) gives way to the next; one that cannot open because the node is down
   * is tried again, with backoff.
   */
  async _open() {
    if (this._closed) return;
    const kind = this.options.transports[this._kind];
    let socket;
    try {
      socket = await this._socketOf(kind);
    } catch (e) {
      this._emit('error', e);
      socket = null;
    }
    if (this._closed) return socket?.close();
    if (!socket) return this._lost(false, undefined);
    this._attach(socket, kind, false);
  }

  async _socketOf(kind) {
    if (kind === 'websocket') {
      const WS = this.options.WebSocket ?? globalThis.WebSocket ?? (await import('ws')).default;
      return new WS(this.url.replace(/^http/, 'ws') + '/eventbus/websocket');
    }
    if (kind === 'sockjs') {
      const SockJS = this.options.SockJS ?? globalThis.SockJS ?? (await loadSockJS(this.url));
      return new SockJS(this.url + '/eventbus');
    }
    if (kind === 'polling') return new PollingSocket(this.url, { intervalMs: this.options.pollIntervalMs });
    throw new Error(`unknown transport ${kind}`);
  }

  /** Makes a socket the client's: once open it is authenticated, subscriptions placed, unanswered requests resent. */
  _attach(socket, kind, open) {
    this._socket = socket;
    let opened = open;
    socket.onopen = () => {
      opened = true;
      this._setUp(socket, kind);
    };
    socket.onmessage = (m) => {
      this._heard = Date.now();
      this._onFrame(JSON.parse(typeof m.data === 'string' ? m.data : m.data.toString()));
    };
    socket.onclose = (e) => {
      if (socket !== this._socket) return;
      this._detach();
      this._lost(opened, e.code);
    };
    socket.onerror = () => {}; // onclose follows
    if (open) this._setUp(socket, kind);
  }

  async _setUp(socket, kind) {
    if (socket !== this._socket) return;
    this._attempt = 0;
    this._misses = 0;
    await this._authenticate(socket, false); // before any register: subscriptions are checked against the token
    if (socket !== this._socket) return;
    // unanswered requests go again first, in order, with the same ids: a publish stays one event
    this._outbox = [...this._replies.values(), ...this._outbox];
    this._replies.clear();
    this._ready = true;
    this._heard = Date.now();
    const { pingIntervalMs, pingTimeoutMs } = this.options;
    this._liveness = setInterval(() => this._checkLiveness(socket), Math.max(100, Math.min(pingIntervalMs, pingTimeoutMs) / 2));
    for (const sub of this._subs.values()) this._register(sub);
    this._drain();
    // listeners hear of it once the socket is set up, so what they do comes after
    if (this.transport !== kind) {
      this.transport = kind;
      this._emit('transport', kind);
    }
    this._setState('connected');
    if (this._kind > 0) this._upgrade = setTimeout(() => this._tryUpgrade(), this.options.upgradeIntervalMs);
  }

  /**
   * After pingIntervalMs without a frame, a herald.ping; without any frame pingTimeoutMs after that,
   * the socket is dead though its transport has not noticed (a half-open TCP connection, an HTTP
   * stream a proxy cut): it is dropped and the client reconnects.
   */
  _checkLiveness(socket) {
    if (socket !== this._socket) return;
    const silent = Date.now() - this._heard;
    if (silent > this.options.pingIntervalMs + this.options.pingTimeoutMs) {
      this._release(socket, true);
      this._lost(true, 4000);
    } else if (silent > this.options.pingIntervalMs && !(this._pinged > this._heard)) {
      this._pinged = Date.now();
      this._control(socket, 'herald.ping', {}).catch(() => {}); // any frame at all answers it
    }
  }

  /**
   * A request of the protocol's own (herald.auth, herald.ping), sent on this socket at once, ahead
   * of the queue, and never sent again on another: settled (resolved empty) when the socket goes.
   */
  _control(socket, address, body) {
    return new Promise((resolve, reject) => {
      const replyAddress = randomId();
      this._replies.set(replyAddress, { frame: null, resolve, reject });
      this._inFlight++;
      socket.send(JSON.stringify({ type: 'send', address, body, replyAddress, headers: {} }));
    });
  }

  /**
   * Lets go of the client's socket without a reconnect of its own (whoever called decides what comes
   * next): closed politely, or cut at once when it is dead (a close handshake would wait on it).
   */
  _release(socket, dead = false) {
    socket.onclose = socket.onmessage = null;
    this._detach();
    try {
      if (dead && socket.terminate) socket.terminate();
      else socket.close(dead ? undefined : 1000);
    } catch { /* already closing */ }
  }

  /** The socket is gone or replaced: what was tied to it. */
  _detach() {
    clearInterval(this._liveness);
    clearTimeout(this._refresh);
    clearTimeout(this._upgrade);
    this._socket = null;
    this._ready = false;
    this._acks.clear();
    for (const sub of this._subs.values()) sub.placed = false;
    for (const [address, r] of this._replies) {
      if (!r.frame) { // a control request of this socket (_control): settled, the next connection asks again
        this._replies.delete(address);
        r.resolve();
      }
    }
    this._inFlight = 0;
  }

  async _lost(opened, code) {
    if (this._closed) return;
    this._setState('reconnecting');
    if (!opened && this._kind + 1 < this.options.transports.length) {
      // twice unable to open while the node answers: this transport does not get through, the next one at once
      this._misses = (await this._reachable()) ? this._misses + 1 : 0;
      if (this._misses >= 2) {
        this._misses = 0;
        this._kind++;
        this._open();
        return;
      }
    }
    setTimeout(() => this._open(), this._delay(code));
  }

  /** Whether the node answers HTTP at all (in a page, an opaque answer is enough). */
  async _reachable() {
    try {
      await fetch(this.url + '/health/live', { mode: globalThis.document ? 'no-cors' : 'cors', signal: AbortSignal.timeout(5000) });
      return true;
    } catch {
      return false;
    }
  }

  /** On a fallback transport, now and then: a preferred one that opens takes over, subscriptions resuming on it. */
  async _tryUpgrade() {
    for (let k = 0; k < this._kind; k++) {
      const kind = this.options.transports[k];
      const socket = await this._socketOf(kind).catch(() => null);
      const opened = socket !== null && (await new Promise((resolve) => {
        const timer = setTimeout(() => resolve(false), 5000);
        socket.onopen = () => { clearTimeout(timer); resolve(true); };
        socket.onclose = () => { clearTimeout(timer); resolve(false); };
        socket.onerror = () => {};
      }));
      if (!opened) {
        try { socket?.close(); } catch { /* never opened */ }
        continue;
      }
      if (this._closed || !this._ready) { // the current socket went meanwhile: its reconnect decides
        socket.close(1000);
        return;
      }
      this._release(this._socket);
      this._kind = k;
      this._attach(socket, kind, true);
      return;
    }
    this._upgrade = setTimeout(() => this._tryUpgrade(), this.options.upgradeIntervalMs);
  }

  /**
   * Gives the socket its identity with herald.auth (the token never goes in a URL, where proxies log
   * it): the token option, or a fresh one from getToken. A refused token is an 'auth_error' and,
   * with getToken, one more try with a new token; then the socket goes on without one. The refresh
   * is scheduled 30 s before the token's exp.
   */
  async _authenticate(socket, refreshing) {
    clearTimeout(this._refresh);
    for (let attempt = 0; attempt < 2; attempt++) {
      const token = this.options.getToken ? await this.options.getToken() : this.options.token;
      if (!token || socket !== this._socket) return;
      const answer = await this._control(socket, 'herald.auth', { token }).then((body) => ({ body }), (error) => ({ error }));
      if (socket !== this._socket) return; // closed meanwhile: the next connection authenticates again
      if (!answer.error) {
        const { sub, roles } = claims(token);
        this.user = answer.body?.sub ?? sub ?? null;
        this.roles = Array.isArray(roles) ? roles.filter((r) => typeof r === 'string') : [];
        const exp = expiry(token);
        if (exp && this.options.getToken) {
          this._refresh = setTimeout(() => this._authenticate(socket, true), Math.max(1000, exp - Date.now() - 30000));
        }
        return;
      }
      this._emit('auth_error', answer.error);
      if (!this.options.getToken || (refreshing && attempt > 0)) return;
    }
  }

  /**
   * Full jitter over an exponential backoff; 1001, 1012 and 1013 (going away, restarting: reconnect,
   * most likely to another node; try again) soon, 1008 (policy) slower.
   */
  _delay(code) {
    const { backoffMinMs: min, backoffMaxMs: max } = this.options;
    if (code === 1001 || code === 1012 || code === 1013) return Math.random() * min;
    const attempt = this._attempt++ + (code === 1008 ? 3 : 0);
    return Math.random() * Math.min(max, min * 2 ** attempt);
  }

  _setState(state) {
    if (this.state === state || !STATES.includes(state)) return;
    this.state = state;
    this._emit('state', state);
  }

  _emit(event, value) {
    for (const l of this._listeners.get(event) ?? []) l(value);
  }

  _sendFrame(frame) {
    if (this._ready) this._socket.send(JSON.stringify(frame));
  }

  // ---- subscriptions ----

  _add(sub) {
    if (this._subs.has(sub.channel)) throw new Error(`already subscribed to ${sub.channel}`);
    this._subs.set(sub.channel, sub);
    if (this._ready) this._register(sub);
    return { unsubscribe: () => this._unsubscribe(sub) };
  }

  /** Registers with a replyAddress: the server acknowledges once the subscription is in place. */
  _register(sub) {
    const replyAddress = randomId();
    this._acks.set(replyAddress, sub);
    this._sendFrame({ type: 'register', address: sub.channel, headers: sub.headers(), replyAddress });
  }

  _unsubscribe(sub) {
    if (this._subs.get(sub.channel) !== sub) return;
    this._subs.delete(sub.channel);
    this._sendFrame({ type: 'unregister', address: sub.channel });
  }

  _onFrame(frame) {
    const placed = this._acks.get(frame.address);
    if (placed) {
      this._acks.delete(frame.address);
      if (this._subs.get(placed.channel) === placed) {
        placed.placed = true;
        for (const refresh of placed.onPlaced ?? []) refresh();
      }
      return;
    }
    const reply = this._replies.get(frame.address);
    if (reply) {
      this._replies.delete(frame.address);
      this._inFlight--;
      if (frame.type === 'err' && frame.failureCode === 429 && reply.frame) {
        // rate-limited: the same request again once the server says, ahead of what queued behind it
        setTimeout(() => { this._outbox.unshift(reply); this._drain(); }, retryIn(frame));
      } else if (frame.type === 'err') {
        reply.reject(Object.assign(new Error(frame.message), { code: frame.failureCode, current: frame.current }));
      } else {
        reply.resolve(frame.body);
      }
      this._drain();
      return;
    }
    const sub = this._subs.get(frame.address);
    if (!sub) return;
    if (frame.type === 'err') {
      for (const [address, s] of this._acks) if (s === sub) this._acks.delete(address); // a refused register is never acknowledged
      if (frame.failureCode === 429) {
        setTimeout(() => { if (this._subs.get(sub.channel) === sub) this._register(sub); }, retryIn(frame));
        return;
      }
      this._emit('error', Object.assign(new Error(frame.message), { code: frame.failureCode, channel: sub.channel }));
      return;
    }
    sub.onEnvelope(frame.body);
  }

  _onEvent(sub, envelope) {
    if (envelope.type === 'history.truncated') {
      const firstSeq = envelope.data.firstSeq;
      if (sub.last !== null && firstSeq > sub.last + 1) {
        this._emit('discontinuity', { channel: sub.channel, from: sub.last + 1, to: firstSeq - 1 });
        sub.last = firstSeq - 1;
      }
      return;
    }
    if (typeof envelope.seq !== 'number') {
      for (const h of sub.handlers) h(envelope); // ephemeral (presence, typing...): as it comes
      return;
    }
    if (sub.last === null) sub.last = envelope.seq - 1; // live only: start where the stream is
    if (envelope.seq <= sub.last) return; // seen
    sub.pending.set(envelope.seq, envelope);
    this._deliver(sub);
    if (sub.pending.size > 0 && !sub.filling) this._fill(sub);
  }

  /** Hands on the contiguous run after the last delivered seq. */
  _deliver(sub) {
    while (sub.pending.has(sub.last + 1)) {
      const next = sub.pending.get(sub.last + 1);
      sub.pending.delete(sub.last + 1);
      sub.last = next.seq;
      for (const h of sub.handlers) h(next);
    }
  }

  /** A seq is missing: read it (and what follows) from history, then go on. */
  async _fill(sub) {
    sub.filling = true;
    try {
      while (sub.pending.size > 0 && this._subs.get(sub.channel) === sub) {
        const page = await this.history(sub.channel, { since: sub.last, limit: 1000 });
        if (page.firstSeq > sub.last + 1) {
          this._emit('discontinuity', { channel: sub.channel, from: sub.last + 1, to: page.firstSeq - 1 });
          sub.last = page.firstSeq - 1;
        }
        for (const e of page.events) if (e.seq > sub.last) sub.pending.set(e.seq, e);
        this._deliver(sub);
        if (page.events.length === 0) break;
      }
    } catch (e) {
      this._emit('error', e); // the next reconnect resumes from sub.last
    } finally {
      sub.filling = false;
    }
  }

  // ---- requests ----

  _request(address, body) {
    return new Promise((resolve, reject) => {
      const replyAddress = randomId();
      const frame = { type: 'send', address, body, replyAddress, headers: {} };
      const request = { frame, resolve, reject };
      if (this._closed) {
        reject(new Error('closed'));
        return;
      }
      if (this._outbox.length >= this.options.outboxLimit) {
        reject(new Error('offline queue full'));
        return;
      }
      this._outbox.push(request);
      this._drain();
    });
  }

  /** Sends queued requests in order while connected, keeping under the server's cap on requests in flight. */
  _drain() {
    while (this._ready && this._outbox.length > 0 && this._inFlight < this.options.maxInFlight) {
      const request = this._outbox.shift();
      this._replies.set(request.frame.replyAddress, request);
      this._inFlight++;
      this._sendFrame(request.frame);
    }
  }
}

/** A kept value for UI frameworks: getSnapshot() (a new object on every change) and subscribe(listener). */
class View {
  constructor(initial) {
    this._snapshot = initial;
    this._listeners = new Set();
    this.getSnapshot = this.getSnapshot.bind(this);
    this.subscribe = this.subscribe.bind(this);
  }

  getSnapshot() {
    return this._snapshot;
  }

  subscribe(listener) {
    this._listeners.add(listener);
    return () => this._listeners.delete(listener);
  }

  _set(next) {
    this._snapshot = next;
    for (const l of this._listeners) l();
  }
}

function randomId() {
  return globalThis.crypto.randomUUID();
}

/** When a 429 says to try again (retryAfter seconds; 1 s when it does not say), with a little jitter. */
function retryIn(frame) {
  return (frame.retryAfter ?? 1) * 1000 + Math.random() * 250;
}

/** A JWT's exp in epoch ms, or null. */
/** A JWT's claims as the client reads them (unverified: the server checks the token). */
function claims(token) {
  try {
    return JSON.parse(globalThis.atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
  } catch {
    return {};
  }
}

function expiry(token) {
  const { exp } = claims(token);
  return typeof exp === 'number' ? exp * 1000 : null;
}

/** SockJS in a page: the node serves it at /sdk/sockjs.min.js; in node, the sockjs-client package. */
async function loadSockJS(url) {
  if (!globalThis.document) return (await import('sockjs-client')).default;
  await new Promise((resolve, reject) => {
    const script = Object.assign(globalThis.document.createElement('script'), { src: `${url}/sdk/sockjs.min.js`, onload: resolve, onerror: reject });
    globalThis.document.head.appendChild(script);
  });
  return globalThis.SockJS;
}
