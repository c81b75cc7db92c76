// The console's pages in Debian's Chromium (headless), driven by playwright-core; run by
// ConsoleBrowserTest, one scenario per process: `node console.mjs <scenario>`. Prints what it does,
// "restart-now" where the Java side should restart the node (it then waits for the page to see it),
// and finally one JSON line {ok, ...}. Screenshots of every page go to SCREENSHOTS (always; on a
// failure one more, named after it). Env: HERALD_URL, SCREENSHOTS, CHROMIUM (default /usr/bin/chromium).
import { mkdirSync } from 'node:fs';
import { chromium } from 'playwright-core';

const URL = process.env.HERALD_URL;
const SHOTS = process.env.SCREENSHOTS;
const TIMEOUT = 20000;
mkdirSync(SHOTS, { recursive: true });

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
    '--disable-component-update', '--disable-sync'],
});
const pages = [];
let outage = false; // while the node restarts, the browser's own connection errors are expected

/** A page in a browser context of its own (its own storage: another person, or another tab's session). */
async function open(path, name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !outage) errors.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 400 && !outage) errors.push(`${r.status()} ${r.request().method()} ${r.url()}`); });
  await page.goto(URL + path);
  pages.push({ page, name, errors });
  return page;
}

/** Waits until the page's connection indicator says this state. */
function state(page, wanted, timeout = TIMEOUT) {
  return page.waitForSelector(`[data-connection-state="${wanted}"]`, { timeout });
}

async function shots(suffix = '') {
  for (const { page, name } of pages) {
    await page.screenshot({ path: `${SHOTS}/${name}${suffix}.png`, fullPage: true }).catch(() => {});
  }
}

/** Waits for a line on stdin (the Java side's answer). */
function heard(line) {
  return new Promise((resolve) => {
    let buffered = '';
    process.stdin.on('data', (chunk) => {
      buffered += chunk;
      if (buffered.split('\n').includes(line)) resolve();
    });
  });
}

const scenarios = {
  /** The landing page: status and links; its indicator follows a node restart and comes back. */
  async landing() {
    const page = await open('/', 'landing');
    await state(page, 'connected');
    await page.waitForFunction(() => document.getElementById('ready').textContent === 'ready');
    const links = await page.$$eval('#scenarios a', (as) => as.map((a) => a.getAttribute('href')));
    await page.waitForFunction(() => Number(document.getElementById('connections').textContent) >= 1);
    await shots();
    outage = true;
    console.log('restart-now');
    await state(page, 'reconnecting', 30000);
    await heard('restarted');
    await state(page, 'connected', 60000);
    outage = false;
    await shots('-after-restart');
    return { links, connections: await page.textContent('#connections') };
  },
};

const name = process.argv[2];
let result;
try {
  result = { ok: true, ...(await scenarios[name]()) };
} catch (e) {
  await shots('-failed');
  result = { ok: false, error: String(e.stack ?? e) };
}
result.pageErrors = pages.flatMap((p) => p.errors.map((e) => `${p.name}: ${e}`));
console.log(JSON.stringify(result));
await browser.close();
process.exit(0);
