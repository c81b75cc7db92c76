// The last transport: a socket-shaped object that speaks the bridge's frames over Herald's REST
// API, for networks where neither WebSocket nor SockJS gets through. Subscriptions poll each
// channel's history after the last seq seen (so the client's ordering and dedupe apply unchanged);
// publishes, document writes, history, presence and the inbox go to their REST routes, one request at a time in the
// order sent. Typing and live queries need a socket: they are refused with
// 503 until one works again.

const REST = {
  'herald.publish': (b) => ['POST', `/api/v1/channels/${enc(b.channel)}/events`, { type: b.type, data: b.data, id: b.id }],
  'herald.history': (b) => ['GET', `/api/v1/channels/${enc(b.channel)}/events${query({ since: b.since, before: b.before, limit: b.limit })}`],
  'herald.presence': (b) => ['GET', `/api/v1/channels/${enc(b.channel)}/presence`],
  'herald.aggregate': (b) => ['GET', `/api/v1/aggregates/${enc(b.name)}${query({ group: b.group })}`],
  'herald.inbox.list': (b) => ['GET', `/api/v1/me/notifications${query({ unread: b.unread, before: b.before, limit: b.limit })}`],
  'herald.inbox.read': (b) => ['POST', `/api/v1/me/notifications/${enc(b.id)}/read`],
  'herald.inbox.readAll': () => ['POST', '/api/v1/me/notifications/read-all'],
  'herald.inbox.delete': (b) => ['DELETE', `/api/v1/me/notifications/${enc(b.id)}`],
  'herald.inbox.clear': () => ['DELETE', '/api/v1/me/notifications'],
  'herald.docs.write': (b) => {
    const docs = `/api/v1/collections/${enc(b.collection)}/docs`;
    const headers = b.ifMatch === undefined ? {} : { 'If-Match': String(b.ifMatch) };
    if (b.op === 'create') return ['POST', docs, b.doc, headers];
    return [{ put: 'PUT', patch: 'PATCH', delete: 'DELETE' }[b.op], `${docs}/${enc(b.id)}`, b.op === 'patch' ? b.patch : b.doc, headers];
  },
};

export class PollingSocket {
  constructor(url, { intervalMs = 1000, fetch: fetchImpl = globalThis.fetch } = {}) {
    this.url = url;
    this.intervalMs = intervalMs;
    this.onopen = this.onmessage = this.onclose = this.onerror = null;
    this._fetch = (...args) => fetchImpl(...args); // a page's fetch refuses to run with `this` other than window
    this._token = null;
    this._channels = new Map(); // channel -> {cursor, ack}
    this._requests = Promise.resolve(); // one at a time, in order
    this._closed = false;
    this._timer = null;
    this._http('GET', '/health/live').then(() => this._opened(), () => this._lost(1006));
  }

  send(text) {
    const frame = JSON.parse(text);
    if (frame.type === 'register') {
      this._channels.set(frame.address, { cursor: sinceOf(frame.headers), ack: frame.replyAddress });
      this._poll();
    } else if (frame.type === 'unregister') {
      this._channels.delete(frame.address);
    } else if (frame.type === 'send') {
      this._requests = this._requests.then(() => this._serve(frame));
    }
  }

  close(code = 1000) {
    this._lost(code);
  }

  _opened() {
    if (this._closed) return;
    this.onopen?.({});
    this._timer = setInterval(() => this._poll(), this.intervalMs);
  }

  _lost(code) {
    if (this._closed) return;
    this._closed = true;
    clearInterval(this._timer);
    setTimeout(() => this.onclose?.({ code }), 0);
  }

  async _serve({ address, body, replyAddress }) {
    if (address === 'herald.auth') {
      // REST checks the token on every request: a refused one shows as a 401 there
      this._token = body.token;
      return this._deliver(replyAddress, { ok: true });
    }
    const route = REST[address];
    if (!route) return this._refuse(replyAddress, { status: 503, message: `unavailable: ${address} needs a socket, and only polling gets through` });
    try {
      const [method, path, payload, headers] = route(body);
      this._deliver(replyAddress, await this._http(method, path, payload, headers));
    } catch (e) {
      if (gone(e)) this._lost(e.status === 503 ? 1012 : 1006); // the client resends what was unanswered on its next connection
      else this._refuse(replyAddress, e);
    }
  }

  /** One round: each registered channel's events after its cursor, then the register's ack on its first round. */
  async _poll() {
    if (this._polling || this._closed) return;
    this._polling = true;
    try {
      for (const [channel, sub] of this._channels) {
        await this._pollChannel(channel, sub);
      }
    } finally {
      this._polling = false;
    }
  }

  async _pollChannel(channel, sub) {
    for (;;) {
      let page;
      try {
        page = await this._http('GET', `/api/v1/channels/${enc(channel)}/events${query({ since: sub.cursor ?? 0, limit: sub.cursor === null ? 1 : 1000 })}`);
      } catch (e) {
        if (gone(e)) return this._lost(e.status === 503 ? 1012 : 1006);
        if (e.status === 429) return undefined; // the next round asks again
        this._channels.delete(channel); // refused (403, 404...): as a register refused on a socket
        return this._refuse(channel, e);
      }
      if (this._channels.get(channel) !== sub || this._closed) return;
      if (sub.cursor === null) { // live only: from the head on
        sub.cursor = page.lastSeq;
      } else {
        if (page.firstSeq > sub.cursor + 1) {
          this._receive({ type: 'rec', address: channel, body: { channel, type: 'history.truncated', data: { firstSeq: page.firstSeq } } });
        }
        for (const e of page.events) this._receive({ type: 'rec', address: channel, body: e });
        if (page.events.length > 0) sub.cursor = page.events[page.events.length - 1].seq;
      }
      if (sub.ack) {
        this._deliver(sub.ack, { channel, subscribed: true });
        sub.ack = null;
      }
      if (page.events.length < 1000) return;
    }
  }

  async _http(method, path, body, extraHeaders = {}) {
    const headers = { ...extraHeaders };
    if (this._token) headers.Authorization = `Bearer ${this._token}`;
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const response = await this._fetch(this.url + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body), signal: AbortSignal.timeout(10000),
    });
    const text = await response.text();
    const json = text ? JSON.parse(text) : {};
    if (!response.ok) {
      const retryAfter = Number(response.headers.get('Retry-After')) || undefined;
      throw Object.assign(new Error(json.error ? `${json.error.code}: ${json.error.message}` : `HTTP ${response.status}`),
        { status: response.status, retryAfter, current: json.current });
    }
    return json;
  }

  _deliver(address, body) {
    this._receive({ type: 'rec', address, body });
  }

  /** As the bridge refuses: an err frame with the HTTP-like code (for a 429, when to try again; for a 409, the current doc). */
  _refuse(address, { status, message, retryAfter, current }) {
    this._receive({ type: 'err', address, failureCode: status, failureType: 'RECIPIENT_FAILURE', message, retryAfter, current });
  }

  _receive(frame) {
    if (!this._closed) this.onmessage?.({ data: JSON.stringify(frame) });
  }
}

function sinceOf(headers) {
  return headers?.since === undefined ? null : Number(headers.since);
}

/**
 * The node cannot be reached, or answers 503 (it is draining, or its database is out of reach):
 * as a socket that closed, so the client reconnects (to another node, behind a proxy) and resumes.
 */
function gone(e) {
  return !e.status || e.status === 503;
}

function enc(s) {
  return encodeURIComponent(s);
}

function query(params) {
  const q = Object.entries(params).filter(([, v]) => v !== undefined && v !== null);
  return q.length === 0 ? '' : `?${q.map(([k, v]) => `${k}=${encodeURIComponent(v)}`).join('&')}`;
}
