// What every console page shares: a development token for a user (POST /dev/token), a connection
// with the SDK, the connection indicator ([data-connection-state]) and errors said in words.
import { connect } from '/sdk/herald.js';

const STATE_WORDS = {
  connecting: 'Connecting…', connected: 'Connected', reconnecting: 'Reconnecting…',
  polling: 'Connected (polling)', disconnected: 'Disconnected',
};

/** A token for this user from the node's development mode, or null when the node has none. */
export async function devToken(sub, roles = []) {
  const r = await fetch('/dev/token', {
    method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ sub, roles }),
  });
  if (r.status === 404) return null; // not in development mode: anonymous
  const body = await r.json();
  if (!r.ok) throw new Error(body.error?.message ?? `token refused (${r.status})`);
  return body.token;
}

/**
 * Connects as this user (a fresh token before each connection) and keeps `indicator` showing the
 * state: its data-connection-state is connecting | connected | reconnecting | polling | disconnected.
 */
export function connectAs(sub, roles, indicator, options = {}) {
  const herald = connect(location.origin, { ...options, getToken: () => devToken(sub, roles) });
  const show = () => {
    const state = herald.state === 'connected' && herald.transport === 'polling' ? 'polling' : herald.state;
    indicator.dataset.connectionState = state;
    indicator.textContent = STATE_WORDS[state] ?? state;
  };
  herald.on('state', show);
  herald.on('transport', show);
  herald.on('auth_error', (e) => showError(`Sign-in refused: ${e?.message ?? 'the token was not accepted'}`));
  show();
  return herald;
}

/** Shows an error in words in the page's [data-errors] box (and keeps the last few). */
export function showError(message) {
  const box = document.querySelector('[data-errors]');
  if (!box) return;
  const line = document.createElement('div');
  line.className = 'error';
  line.textContent = message;
  box.prepend(line);
  while (box.children.length > 5) box.lastChild.remove();
}

/** The node's own numbers from /metrics (the console's node; 404 behind a proxy that hides it). */
export async function nodeMetrics() {
  const r = await fetch('/metrics');
  if (!r.ok) return null;
  const text = await r.text();
  const sum = (name) => [...text.matchAll(new RegExp(`^${name}(?:\\{[^}]*\\})? ([0-9.eE+-]+)$`, 'gm'))]
    .reduce((n, m) => n + Number(m[1]), 0);
  return {
    connections: sum('herald_connections'), members: sum('herald_cluster_members'),
    published: sum('herald_events_published_total'), at: Date.now(),
  };
}

/** A small line chart of the last values, drawn as SVG into `svg` (no library needed for this). */
export function sparkline(svg, values, { width = 240, height = 48 } = {}) {
  const max = Math.max(1, ...values);
  const step = values.length > 1 ? width / (values.length - 1) : width;
  const points = values.map((v, i) => `${(i * step).toFixed(1)},${(height - (v / max) * (height - 4) - 2).toFixed(1)}`).join(' ');
  svg.setAttribute('viewBox', `0 0 ${width} ${height}`);
  svg.innerHTML = `<polyline fill="none" stroke="currentColor" stroke-width="2" points="${points}"/>`;
}
