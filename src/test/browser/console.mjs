// The console's pages in Debian's Chromium (headless), driven by playwright-core; run by
// ConsoleBrowserTest, one scenario per process: `node console.mjs <scenario>`. Prints what it does,
// "restart-now" where the Java side should restart the node (it then waits for the page to see it),
// and finally one JSON line {ok, ...}. Screenshots of every page go to SCREENSHOTS (always; on a
// failure one more of each page, and the error in {scenario}-error.txt). Env: HERALD_URL, SCREENSHOTS, CHROMIUM (default /usr/bin/chromium).
import { mkdirSync, writeFileSync } from 'node:fs';
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
let expectingErrors = false; // while the node restarts, or a refusal is the point: the browser's errors are expected

/** A page in a browser context of its own (its own storage: another person, or another tab's session). */
async function open(path, name) {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.setDefaultTimeout(TIMEOUT);
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => { if (m.type() === 'error' && !expectingErrors) errors.push(m.text()); });
  page.on('response', (r) => { if (r.status() >= 400 && !expectingErrors) errors.push(`${r.status()} ${r.request().method()} ${r.url()}`); });
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

/**
 * Has the Java side restart the node and waits until the page saw it go (reconnecting) and come
 * back (connected); the browser's own connection errors meanwhile are expected.
 */
async function restartNode(page) {
  expectingErrors = true;
  console.log('restart-now');
  await state(page, 'reconnecting', 30000);
  await heard('restarted');
  await state(page, 'connected', 60000);
  expectingErrors = false;
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

/** Waits until the element's text is this. */
function text(page, selector, wanted, timeout = TIMEOUT) {
  return page.waitForFunction(([sel, w]) => document.querySelector(sel)?.textContent.trim() === w, [selector, String(wanted)], { timeout });
}

/** Buys on the page through its form and waits for the purchase to complete. */
async function buy(page, batches) {
  await page.selectOption('#batches', String(batches));
  await page.click('#buy-button');
  await page.waitForSelector('[data-purchase-status="completed"]');
  await page.evaluate(() => { document.getElementById('purchase-status').dataset.purchaseStatus = ''; });
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
    await restartNode(page);
    await shots('-after-restart');
    return { links, connections: await page.textContent('#connections') };
  },

  /**
   * Two buyers: a purchase goes pending then completed for its buyer and moves the other's bar with
   * a toast; the other switched to polling still follows; a node restart loses nothing (an event
   * published while the pages were away shows up); the goal (30 here) ends in "sold out" and a 409.
   */
  async tokenSale() {
    const a = await open('/console/token-sale', 'token-sale-a');
    const b = await open('/console/token-sale', 'token-sale-b');
    await state(a, 'connected');
    await state(b, 'connected');
    await text(a, '#remaining', 30);
    await text(b, '#remaining', 30);
    const buyerA = await a.textContent('#me');
    const toasts = [];
    await b.exposeFunction('sawToast', (t) => toasts.push(t));
    await b.evaluate(() => new MutationObserver((changes) => changes.forEach((c) => c.addedNodes.forEach((n) => window.sawToast(n.textContent))))
      .observe(document.getElementById('toasts'), { childList: true }));

    await a.selectOption('#batches', '3');
    await a.click('#buy-button');
    await a.waitForSelector('[data-purchase-status="pending"]');
    await a.waitForSelector('[data-purchase-status="completed"]');
    await text(b, '#sold', 3);
    await text(b, '#percent', '10%');
    await b.waitForFunction((who) => document.querySelector('#purchases li')?.textContent === `${who} bought 3 batches`, buyerA);
    await shots('-first-purchase');

    await b.check('#polling');
    await state(b, 'polling');
    await buy(a, 10);
    await text(b, '#sold', 13);

    await restartNode(a); // the Java side publishes one purchase (2 batches) before the pages are back
    await text(a, '#sold', 15);
    await text(b, '#sold', 15, 30000);
    for (const page of [a, b]) {
      const log = await page.$$eval('#purchases li', (lis) => lis.map((li) => li.textContent));
      if (log.length !== 3 || log[0] !== 'while-you-were-away bought 2 batches') throw new Error(`purchase log after the restart: ${log}`);
    }

    await buy(a, 10);
    await b.selectOption('#batches', '5');
    await b.click('#buy-button');
    await b.waitForSelector('[data-purchase-status="completed"]');
    for (const page of [a, b]) {
      await page.waitForSelector('#sold-out:not([hidden])');
      if (!(await page.isDisabled('#buy-button'))) throw new Error('the buy button is still enabled when sold out');
    }
    expectingErrors = true;
    await a.selectOption('#batches', '1');
    await a.evaluate(() => { document.getElementById('buy-button').disabled = false; }); // as a page that missed "sold out"
    await a.click('#buy-button');
    await a.waitForSelector('[data-purchase-status="sold_out"]');
    const refused = { status: 409, text: await a.textContent('#purchase-status') };
    expectingErrors = false;
    await shots();
    return { toasts, refused, percent: await a.textContent('#percent') };
  },

  /**
   * Two watchers: a sample chainhook sent from one page adds listings in both (a live query) and
   * market events; a stream room and a wallet room (user:{wallet}, signed in as the wallet) get
   * theirs; a second block adds more, and rolling it back takes them away again everywhere.
   */
  async marketplace() {
    const a = await open('/console/marketplace', 'marketplace-a');
    const b = await open('/console/marketplace', 'marketplace-b');
    await state(a, 'connected');
    await state(b, 'connected');
    const rows = (page) => page.$$eval('#listings tr', (trs) => trs.map((tr) => `${tr.dataset.stream}:${tr.dataset.status}`));
    await a.click('#send');
    for (const page of [a, b]) {
      await page.waitForSelector('#listings tr[data-stream="41"][data-status="listed"]');
      await page.waitForSelector('#listings tr[data-stream="38"][data-status="sold"]');
      await page.waitForSelector('#market li[data-type="listing.created"]');
    }
    await b.click('#join-stream'); // stream 41
    await b.waitForSelector('#stream-log li[data-type="stream.created"]');
    await b.click('#join-wallet'); // the seller of stream 41
    await b.waitForSelector('#wallet-log li[data-type="listing.created"]');
    const afterFirst = await rows(b);

    await a.click('#send');
    await b.waitForSelector('#listings tr[data-stream="141"][data-status="listed"]');
    await b.waitForSelector('#listings tr[data-stream="138"]');
    await shots('-two-blocks');
    await a.click('#rollback');
    await b.waitForFunction(() => !document.querySelector('#listings tr[data-stream="141"]') && !document.querySelector('#listings tr[data-stream="138"]'));
    await b.waitForSelector('#market li[data-type="listing.reverted"]');
    await shots();
    return { afterFirst, afterRollback: await rows(b), walletLog: await b.$$eval('#wallet-log li', (lis) => lis.map((li) => li.dataset.type)) };
  },

  /**
   * Admin and customer views: a bill the admin writes appears for its customer only, updates,
   * moves to another customer and disappears; stock edits from another page move the bars and
   * raise the low-stock alert (a live query) with a movement log.
   */
  async inventory() {
    const a = await open('/console/inventory?customer=alice', 'inventory-alice');
    const b = await open('/console/inventory?customer=bob', 'inventory-bob');
    for (const page of [a, b]) {
      await page.waitForSelector('#admin-connection[data-connection-state="connected"]');
      await page.waitForSelector('#customer-connection[data-connection-state="connected"]');
    }
    const bill = async (page, id, customer, amount, status) => {
      await page.fill('#bill-id', id);
      await page.fill('#bill-customer', customer);
      await page.fill('#bill-amount', String(amount));
      await page.selectOption('#bill-status', status);
      await page.click('#bill-form button[type="submit"]');
    };
    const mine = (page) => page.$$eval('#customer-bills tr', (trs) => trs.map((tr) => `${tr.dataset.bill}:${tr.dataset.amount}:${tr.dataset.status}`));

    await bill(a, 'b-7', 'alice', 120, 'open');
    await a.waitForSelector('#customer-bills tr[data-bill="b-7"][data-status="open"]');
    await b.waitForSelector('#admin-bills tr[data-bill="b-7"]'); // the admin sees every bill
    const bobBefore = await mine(b);
    await bill(a, 'b-7', 'alice', 150, 'paid');
    await a.waitForSelector('#customer-bills tr[data-bill="b-7"][data-amount="150"][data-status="paid"]');
    await bill(a, 'b-7', 'bob', 150, 'paid');
    await b.waitForSelector('#customer-bills tr[data-bill="b-7"]');
    await a.waitForFunction(() => !document.querySelector('#customer-bills tr[data-bill="b-7"]'));
    await a.waitForFunction(() => document.getElementById('stats').textContent.includes('paid: 1'));
    await a.fill('#bill-id', 'b-7');
    await a.click('#bill-delete');
    await b.waitForFunction(() => !document.querySelector('#customer-bills tr[data-bill="b-7"]'));

    await a.fill('#product-id', 'widget');
    await a.fill('#product-stock', '6');
    await a.fill('#product-threshold', '5');
    await a.click('#product-form button[type="submit"]');
    await b.waitForSelector('#products tr[data-product="widget"][data-stock="6"]');
    for (const stock of [5, 4]) {
      await b.click('#products tr[data-product="widget"] button:first-of-type');
      await b.waitForSelector(`#products tr[data-product="widget"][data-stock="${stock}"]`);
    }
    await a.waitForFunction(() => document.getElementById('low-stock').textContent.includes('(4)'));
    await a.waitForFunction(() => document.querySelectorAll('#movements li').length >= 2);
    await shots();
    return {
      bobBefore, aliceAfter: await mine(a), bobAfter: await mine(b),
      movements: await a.$$eval('#movements li', (lis) => lis.map((li) => li.textContent)),
    };
  },

  /**
   * A seller in two tabs and an investor: a listed invoice reaches the investor's live query (and
   * leaves it under stricter criteria), funding it moves the investor's portfolio and rings the
   * seller's bell in both tabs; read and clear in one tab show in the other.
   */
  async invoices() {
    const seller = await open('/console/invoices?role=seller&user=ana', 'invoices-seller');
    const tab2 = await open('/console/invoices?role=seller&user=ana', 'invoices-seller-tab2');
    const investor = await open('/console/invoices?role=investor&user=ivo', 'invoices-investor');
    for (const page of [seller, tab2, investor]) await state(page, 'connected');
    await seller.fill('#amount', '5000');
    await seller.click('#list-form button[type="submit"]');
    const row = await seller.waitForSelector('#mine tr[data-status="listed"]');
    const invoice = await row.getAttribute('data-invoice');
    await investor.waitForSelector(`#listed tr[data-invoice="${invoice}"]`);
    await investor.fill('#max', '1000');
    await investor.click('#criteria button');
    await investor.waitForFunction((id) => !document.querySelector(`#listed tr[data-invoice="${id}"]`), invoice);
    await investor.fill('#max', '10000');
    await investor.click('#criteria button');
    await investor.click(`#listed tr[data-invoice="${invoice}"] button`);
    await investor.waitForFunction((id) => !document.querySelector(`#listed tr[data-invoice="${id}"]`), invoice);
    await text(investor, '#portfolio-total', 5000);
    await seller.waitForSelector(`#mine tr[data-invoice="${invoice}"][data-status="funded"]`);
    for (const page of [seller, tab2]) await text(page, '#unread', 1);
    await seller.click('#bell');
    await seller.click('#notifications li.unread button');
    await text(tab2, '#unread', 0);
    await shots('-funded');
    await seller.click('#clear');
    await tab2.waitForFunction(() => document.querySelectorAll('#notifications li').length === 0);
    await shots();
    return { invoice, portfolio: await investor.textContent('#portfolio-count') };
  },

  /**
   * Two users in a room: a message, typing and an online dot appear for the other; votes move the
   * tallies; a direct message reaches only its two users; "load older" pages back through history.
   */
  async chat() {
    const a = await open('/console/chat?user=ana', 'chat-ana');
    const b = await open('/console/chat?user=bo', 'chat-bo');
    await state(a, 'connected');
    await state(b, 'connected');
    await b.waitForSelector('#online li[data-user="ana"][data-status="online"]');
    await a.waitForSelector('#online li[data-user="bo"]');
    await text(a, '#balance', 25); // credited by the Java side before the pages opened
    await text(b, '#balance', 0);
    await a.selectOption('#status', 'busy');
    await b.waitForSelector('#online li[data-user="ana"][data-status="busy"]');
    await b.waitForFunction(() => /^[2-9]\d* watching$/.test(document.getElementById('viewers').textContent));
    await a.type('#text', 'hello bo');
    await b.waitForFunction(() => document.getElementById('typing').textContent === 'ana is typing…');
    await a.press('#text', 'Enter');
    await b.waitForFunction(() => [...document.querySelectorAll('#messages .msg')].some((m) => m.textContent === 'anahello bo'));
    await b.waitForFunction(() => document.getElementById('typing').textContent === '');

    await a.click('button[data-option="pizza"]');
    await b.click('button[data-option="pizza"]');
    await b.click('button[data-option="salad"]');
    await a.waitForSelector('.tally[data-option="pizza"][data-votes="2"]');
    await a.waitForSelector('.tally[data-option="salad"][data-votes="1"]');

    await a.fill('#dm-with', 'bo');
    await a.click('#dm-open');
    await b.fill('#dm-with', 'ana');
    await b.click('#dm-open');
    await a.fill('#dm-text', 'psst');
    await a.press('#dm-text', 'Enter');
    await b.waitForFunction(() => document.getElementById('dm-messages').textContent.includes('psst'));

    for (let i = 1; i <= 25; i++) await a.evaluate(async (n) => document.getElementById('text').value = `m${n}`, i).then(() => a.press('#text', 'Enter'));
    await b.waitForFunction(() => document.querySelectorAll('#messages .msg').length === 26);
    const c = await open('/console/chat?user=cy', 'chat-cy'); // arrives later: the newest page, then older on demand
    await state(c, 'connected');
    await c.waitForFunction(() => document.querySelectorAll('#messages .msg').length === 20);
    await c.click('#older');
    await c.waitForFunction(() => document.querySelectorAll('#messages .msg').length === 26);
    const firstShown = await c.$eval('#messages .msg', (m) => m.textContent);
    await shots();
    return { firstShown, bMessages: await b.$$eval('#messages .msg', (ms) => ms.length) };
  },
};

const name = process.argv[2];
let result;
try {
  result = { ok: true, ...(await scenarios[name]()) };
} catch (e) {
  await shots('-failed');
  result = { ok: false, error: String(e.stack ?? e) };
  writeFileSync(`${SHOTS}/${name}-error.txt`, `${result.error}\n`); // beside the pictures of the failure
}
result.pageErrors = pages.flatMap((p) => p.errors.map((e) => `${p.name}: ${e}`));
console.log(JSON.stringify(result));
await browser.close();
process.exit(0);
