export type ConnectionState = 'connecting' | 'connected' | 'reconnecting' | 'disconnected';

/** An event as Herald delivers it. */
export interface Envelope<T = unknown> {
  channel: string;
  seq?: number;
  id?: string;
  type: string;
  data: T;
  ts: string;
}

export interface Receipt {
  channel: string;
  seq: number;
  id: string;
  ts: string;
}

export interface HistoryPage {
  events: Envelope[];
  firstSeq: number;
  lastSeq: number;
}

export interface ConnectOptions {
  /** A JWT for the socket (sent with herald.auth once open, never in the URL). */
  token?: string | null;
  /** Called before each connection for a fresh token. */
  getToken?: () => string | Promise<string>;
  /** The WebSocket class; defaults to the global one, or 'ws' in node. */
  WebSocket?: unknown;
  backoffMinMs?: number;
  backoffMaxMs?: number;
  /** Requests kept while offline; beyond, they are refused. */
  outboxLimit?: number;
  /** Requests in flight per socket (the server's cap is 32). */
  maxInFlight?: number;
  /** Transports to try, in order (default all three); one that cannot open while the node answers HTTP gives way to the next. */
  transports?: Transport[];
  /** The SockJS class; defaults to the global one, /sdk/sockjs.min.js in a page, or 'sockjs-client' in node. */
  SockJS?: unknown;
  /** How often the polling transport reads each channel (default 1000). */
  pollIntervalMs?: number;
  /** How often a client on a fallback tries the transports before it (default 30000). */
  upgradeIntervalMs?: number;
  /** Silence after which the client sends herald.ping (default 25000)... */
  pingIntervalMs?: number;
  /** ...and after which, still without any frame, it drops the socket and reconnects (default 10000). */
  pingTimeoutMs?: number;
}

export type Transport = 'websocket' | 'sockjs' | 'polling';

export interface Subscription {
  unsubscribe(): void;
}

export interface Discontinuity {
  channel: string;
  from: number;
  to: number;
}

/** A kept value: bind with React's useSyncExternalStore(view.subscribe, view.getSnapshot). */
export interface View<T> {
  getSnapshot(): T;
  subscribe(listener: () => void): () => void;
  close(): void;
}

export interface AggregateSnapshot {
  name: string;
  version: number;
  values: Record<string, unknown>;
  groups?: Record<string, Record<string, unknown>>;
  group?: string;
  lastEvent?: Envelope;
}

export interface Doc {
  _id: string;
  _rev: number;
  _updatedAt: string;
  [field: string]: unknown;
}

export interface Notification {
  id: string;
  type: string;
  title: string;
  body?: string;
  data?: unknown;
  createdAt: string;
  read: boolean;
}

export declare class HeraldClient {
  readonly state: ConnectionState;
  /** The token's subject once the server accepted it. */
  readonly user: string | null;
  /** The token's roles. */
  readonly roles: string[];
  /** The transport in use (null before the first connection). */
  readonly transport: Transport | null;
  on(event: 'state', listener: (state: ConnectionState) => void): () => void;
  on(event: 'transport', listener: (transport: Transport) => void): () => void;
  on(event: 'discontinuity', listener: (gap: Discontinuity) => void): () => void;
  on(event: 'error' | 'auth_error', listener: (error: Error) => void): () => void;
  subscribe<T = unknown>(channel: string, handler: (event: Envelope<T>) => void, options?: { since?: number }): Subscription;
  history(channel: string, options?: { since?: number; before?: number; limit?: number }): Promise<HistoryPage>;
  publish(channel: string, type: string, data?: unknown, options?: { id?: string }): Promise<Receipt>;
  /** An aggregate's snapshot, kept (by name, e.g. 'sales', or by its channel, e.g. 'agg:sales'); versions only move forward. */
  aggregate(name: string, options?: { group?: string }): View<AggregateSnapshot | null>;
  /** The user's inbox, kept live across tabs; its methods change it on the server. */
  inbox(options?: { limit?: number }): View<{ notifications: Notification[]; unreadCount: number }> & {
    markRead(id: string): Promise<{ unreadCount: number }>;
    readAll(): Promise<{ unreadCount: number }>;
    remove(id: string): Promise<{ unreadCount: number }>;
    clear(): Promise<{ unreadCount: number }>;
  };
  /** The viewer count of a channel with viewers (null before the first). */
  viewers(channel: string): View<number | null>;
  /** Who is typing on a channel; typing(on) says it for this user. */
  typing(channel: string): View<string[]> & { typing(on?: boolean): Promise<{ ok: boolean }> };
  /** Who is on a channel with presence, kept (read again after every reconnect). */
  presence(channel: string): View<Array<{ userId: string; info: Record<string, unknown>; connections: number }>> & {
    /** Changes this user's info on the channel without leaving (what the token signs stays on top). */
    update(info: Record<string, unknown>): Promise<{ ok: boolean }>;
  };
  /** A live query's documents, kept across reconnects. */
  liveQuery(collection: string, options?: { filter?: string; orderBy?: string; limit?: number }): View<Doc[]>;
  /** Document writes, in order with other requests and queued while offline; a stale ifMatch rejects with code 409 and `current`. */
  collection(name: string): {
    put(id: string, doc: Record<string, unknown>, options?: { ifMatch?: number }): Promise<Doc>;
    patch(id: string, patch: Record<string, unknown>, options?: { ifMatch?: number }): Promise<Doc>;
    delete(id: string, options?: { ifMatch?: number }): Promise<unknown>;
  };
  close(): void;
}

/** A refused request: code is the HTTP-like status; a 409 on a document write carries the current doc. */
export interface HeraldError extends Error {
  code: number;
  current?: Doc;
}

export declare function connect(url: string, options?: ConnectOptions): HeraldClient;
