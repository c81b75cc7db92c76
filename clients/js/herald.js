// Herald JS SDK: every stored event exactly once and in order, across reconnects.
// One ES module, no build step: `import { connect } from '/sdk/herald.js'` in a page, or from the
// npm package in node 20 (which has no global WebSocket: pass `WebSocket` from 'ws', or let the
// SDK import it).

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
      ...options,
    };
    this.state = 'connecting';
    this.transport = 'websocket';
    /** The token's subject once the server accepted it (its user:{sub} channel is the inbox's). */
    this.user = null;
    this._listeners = new Map();
    this._subs = new Map();
    this._replies = new Map();
    this._acks = new Map(); // register replyAddress -> its subscription
    this._outbox = [];
    this._inFlight = 0;
    this._attempt = 0;
    this._queries = 0;
    this._closed = false;
    this._socket = null;
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
   * A view read from a snapshot and then kept by the channel's events. The snapshot is read
   * (load) each time the subscription is in place on a socket, i.e. once the server acknowledged
   * the register: a change made between the read and the subscription is then in one or the
   * other. Events that arrive while it is read are applied after it (reset), in order.
   */
  _kept(channel, { load, reset, apply }) {
    let early = null; // events waiting for the snapshot being read
    const handler = (e) => (early ? early.push(e) : apply(e));
    const sub = this._channel(channel, handler);
    const refresh = async () => {
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
    sub.onPlaced.add(refresh);
    if (sub.placed) refresh();
    return { unsubscribe: () => { sub.onPlaced.delete(refresh); this._removeHandler(sub, handler); } };
  }

  /**
   * The user's notification inbox, kept: getSnapshot() is {notifications (newest first, the first
   * page), unreadCount}, read again after every reconnect and kept live from the user's channel
   * (a new notification, and read / delete / clear made in any tab). markRead(id), readAll(),
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
      subscribed = this._kept(`user:${this.user}`, {
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
    const sub = this._kept(channel, {
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
    return view;
  }

  /**
   * An aggregate's snapshots on its channel (e.g. 'agg:sales'), kept: getSnapshot() is the newest
   * {name, version, values, groups?} (null before the first); versions only move forward, across
   * reconnects too. subscribe(listener) calls back on every change (React's useSyncExternalStore).
   */
  aggregate(channel) {
    const view = new View(null);
    const sub = this.subscribe(channel, (e) => {
      if (e.type === 'aggregate.snapshot' && (view.getSnapshot() === null || e.data.version > view.getSnapshot().version)) {
        view._set(e.data);
      }
    });
    view.close = sub.unsubscribe;
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

  /** Closes for good: no reconnect. */
  close() {
    this._closed = true;
    clearTimeout(this._refresh);
    this._setState('disconnected');
    if (this._socket) this._socket.close(1000);
    for (const r of this._replies.values()) r.reject(new Error('closed'));
    this._replies.clear();
    for (const r of this._outbox) r.reject(new Error('closed'));
    this._outbox = [];
  }

  // ---- connection ----

  async _open() {
    if (this._closed) return;
    const WS = this.options.WebSocket ?? globalThis.WebSocket ?? (await import('ws')).default;
    const socket = new WS(this.url.replace(/^http/, 'ws') + '/eventbus/websocket');
    this._socket = socket;
    socket.onopen = async () => {
      if (socket !== this._socket) return;
      this._attempt = 0;
      await this._authenticate(socket, false); // before any register: subscriptions are checked against the token
      if (socket !== this._socket) return;
      // unanswered requests go again first, in order, with the same ids: a publish stays one event
      this._outbox = [...this._replies.values(), ...this._outbox];
      this._replies.clear();
      this.state = 'connected'; // told to listeners once the socket is set up, so what they do comes after
      for (const sub of this._subs.values()) this._register(sub);
      this._drain();
      this._emit('state', 'connected');
    };
    socket.onmessage = (m) => this._onFrame(JSON.parse(typeof m.data === 'string' ? m.data : m.data.toString()));
    socket.onclose = (e) => {
      if (socket !== this._socket) return;
      clearTimeout(this._refresh);
      this._socket = null;
      this._acks.clear();
      for (const sub of this._subs.values()) sub.placed = false;
      for (const [address, r] of this._replies) {
        if (!r.frame) { // a herald.auth of this socket: settled, the next connection authenticates again
          this._replies.delete(address);
          r.resolve();
        }
      }
      this._inFlight = 0;
      if (this._closed) return;
      this._setState('reconnecting');
      setTimeout(() => this._open(), this._delay(e.code));
    };
    socket.onerror = () => {}; // onclose follows
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
      const replyAddress = randomId();
      const answer = await new Promise((resolve) => {
        this._replies.set(replyAddress, {
          frame: null,
          resolve: (body) => { this.user = body?.sub ?? null; resolve(null); },
          reject: (e) => resolve(e),
        });
        this._inFlight++;
        socket.send(JSON.stringify({ type: 'send', address: 'herald.auth', body: { token }, replyAddress, headers: {} }));
      });
      if (socket !== this._socket) return; // closed meanwhile: the next connection authenticates again
      if (answer === null) {
        const exp = expiry(token);
        if (exp && this.options.getToken) {
          this._refresh = setTimeout(() => this._authenticate(socket, true), Math.max(1000, exp - Date.now() - 30000));
        }
        return;
      }
      this._emit('auth_error', answer);
      if (!this.options.getToken || (refreshing && attempt > 0)) return;
    }
  }

  /** Full jitter over an exponential backoff; 1001/1013 (going away, try again) soon, 1008 (policy) slower. */
  _delay(code) {
    const { backoffMinMs: min, backoffMaxMs: max } = this.options;
    if (code === 1001 || code === 1013) return Math.random() * min;
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
    if (this._socket && this.state === 'connected') this._socket.send(JSON.stringify(frame));
  }

  // ---- subscriptions ----

  _add(sub) {
    if (this._subs.has(sub.channel)) throw new Error(`already subscribed to ${sub.channel}`);
    this._subs.set(sub.channel, sub);
    if (this.state === 'connected') this._register(sub);
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
        reply.reject(Object.assign(new Error(frame.message), { code: frame.failureCode }));
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
    while (this.state === 'connected' && this._outbox.length > 0 && this._inFlight < this.options.maxInFlight) {
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
function expiry(token) {
  try {
    const payload = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
    const exp = JSON.parse(globalThis.atob(payload)).exp;
    return typeof exp === 'number' ? exp * 1000 : null;
  } catch {
    return null;
  }
}
