// Shared by the browser checks: Debian's Chromium, headless, with nothing reaching out to the
// network, and a page whose console errors and requests are recorded.
import { chromium } from 'playwright-core';

export async function launch() {
  return chromium.launch({
    executablePath: process.env.PORTNIX_CHROMIUM || '/usr/bin/chromium',
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync',
    ],
  });
}

export async function open(browser, url, { width = 1280, height = 800, scheme = 'light', credentials } = {}) {
  const context = await browser.newContext({ viewport: { width, height }, colorScheme: scheme, httpCredentials: credentials });
  const page = await context.newPage();
  const errors = [], requests = [];
  page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`console ${m.type()}: ${m.text()}`); });
  page.on('pageerror', (e) => errors.push(`uncaught: ${e.message}`));
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(url);
  await page.waitForSelector('html[data-ready]', { timeout: 20000 });
  return { page, context, errors, requests };
}

export function fail(message) {
  throw new Error(message);
}

export function check(ok, message) {
  if (!ok) fail(message);
}

// The axis as the page labels it: each tick label's number and the x of its centre, from which
// any port's x follows (the labels are text, so this reads what a person reads).
export async function axis(page) {
  const ticks = await page.$$eval('#map .tick-label', (els) => els.map((t) => {
    const r = t.getBoundingClientRect();
    return { port: Number(t.textContent), x: r.left + r.width / 2 };
  }));
  check(ticks.length >= 2, `the axis has ${ticks.length} labelled ticks`);
  const [a, b] = [ticks[0], ticks[ticks.length - 1]];
  const perPort = (b.x - a.x) / (b.port - a.port);
  return { ticks, perPort, x: (port) => a.x + (port - a.port) * perPort };
}

export async function box(page, selector) {
  return page.$eval(selector, (el) => {
    const r = el.getBoundingClientRect();
    return { left: r.left, right: r.right, top: r.top, bottom: r.bottom, cx: r.left + r.width / 2 };
  });
}

// The mark of an entry, by its path as the page's details show it.
export async function markOf(page, path) {
  const id = await page.evaluate((p) => {
    for (const el of document.querySelectorAll('#map .mark[data-i]')) {
      if (el.getAttribute('aria-label').startsWith(`${p}, `)) return el.id;
    }
    return null;
  }, path);
  return id && `#${id}`;
}
