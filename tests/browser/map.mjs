// The map of `portnix gen html`, checked in Chromium against what `portnix gen json` says of
// the same registry. Usage: node map.mjs SPEC.json, where SPEC lists pages:
//   { file, screenshots, samples: [{ path, from, to, location }], conflict: { paths, port } | null }
import { readFileSync } from 'node:fs';
import { launch, open, check, axis, box, markOf } from './browser.mjs';

const spec = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const browser = await launch();
const log = [];
try {
  for (const p of spec.pages) {
    await page(p);
    log.push(`${p.name}: ok`);
  }
} finally {
  await browser.close();
}
console.log(log.join('\n'));

// Where the page draws the port: within a pixel of where the axis's labels put it.
async function placed(page, selector, e, what) {
  const { x, perPort } = await axis(page);
  const want = (x(e.from) + x(e.to)) / 2;
  const got = (await box(page, selector)).cx;
  const slack = Math.max(1.5, perPort / 2);
  check(Math.abs(got - want) <= slack, `${what}: ${e.path} (${e.from}-${e.to}) is drawn at x=${got.toFixed(1)}, the axis puts it at ${want.toFixed(1)}`);
}

async function page(p) {
  const url = `file://${p.file}`;
  const { page, context, errors, requests } = await open(browser, url);
  const name = p.name;
  // Self-contained: the page asks for nothing but itself.
  const elsewhere = requests.filter((r) => r !== url && !r.startsWith('data:'));
  check(elsewhere.length === 0, `${name}: the page requested ${elsewhere.join(', ')}`);
  await page.screenshot({ path: `${p.screenshots}-light.png`, fullPage: true });

  // Every sample's mark is where the axis says, on the whole axis and zoomed to it by search.
  if (p.grouped) {
    // Too many to draw one by one: groups, each a button that zooms in.
    const groups = await page.$$eval('#map .mark.group', (els) => els.map((el) => el.getAttribute('aria-label')));
    check(groups.length > 0 && groups.every((l) => / entries, ports? \d+/.test(l)), `${name}: no groups on the whole axis (${groups.slice(0, 3)})`);
  } else {
    for (const e of p.samples) {
      const sel = await markOf(page, e.path);
      check(sel, `${name}: no mark for ${e.path} on the whole axis`);
      await placed(page, sel, e, `${name}, whole axis`);
    }
  }
  for (const e of p.samples) {
    await page.fill('#search', e.path);
    await page.press('#search', 'Enter');
    await page.waitForFunction((path) => document.activeElement?.getAttribute('aria-label')?.startsWith(`${path}, `), e.path);
    const sel = `#${await page.evaluate(() => document.activeElement.id)}`;
    await placed(page, sel, e, `${name}, searched for its path`);
    // Focus shows the path and its file:line, without a mouse.
    const tip = await page.textContent('#tip');
    check(await page.isVisible('#tip'), `${name}: focusing ${e.path} shows no tooltip`);
    check(tip.includes(e.path) && tip.includes(e.location), `${name}: focusing ${e.path} shows ${JSON.stringify(tip)}, not its path and ${e.location}`);
    const details = await page.textContent('#details');
    check(details.includes(e.location), `${name}: the details of ${e.path} do not say ${e.location}`);
    // Hovering another mark shows that one.
    await page.mouse.move(0, 0);
    await page.hover(sel);
    const hovered = await page.textContent('#tip');
    check(hovered.includes(e.path) && hovered.includes(e.location), `${name}: hovering ${e.path} shows ${JSON.stringify(hovered)}`);
  }

  // The keyboard alone: from the search box, Tab reaches the map's marks, and arrows walk them.
  await page.click('[data-act=all]');
  await page.focus('#search');
  let focused = null;
  for (let i = 0; i < 400 && !focused; i++) {
    await page.keyboard.press('Tab');
    focused = await page.evaluate(() => (document.activeElement?.matches('.mark[data-i]') ? document.activeElement.getAttribute('aria-label') : null));
  }
  check(focused, `${name}: Tab never reaches a mark`);
  check((await page.textContent('#tip')).includes(focused.split(', ')[0]), `${name}: the tooltip of the focused mark does not name ${focused}`);
  // The arrows walk the entries in port order (from the last one, only back).
  const walk = async (key) => {
    await page.keyboard.press(key);
    return page.waitForFunction((was) => {
      const now = document.activeElement?.getAttribute('aria-label');
      return now && now !== was && document.activeElement.matches('.mark[data-i]') && now;
    }, focused, { timeout: 3000 }).catch(() => null);
  };
  const moved = (await walk('ArrowRight')) || (await walk('ArrowLeft'));
  check(moved, `${name}: neither arrow moves from ${focused}`);
  const next = await moved.jsonValue();
  check((await page.textContent('#tip')).includes(next.split(', ')[0]), `${name}: the tooltip after ArrowRight does not name ${next}`);

  // The search moves to a typed port and says what is there.
  const target = p.samples[p.samples.length - 1];
  await page.fill('#search', String(target.from));
  await page.press('#search', 'Enter');
  await page.waitForFunction((port) => document.getElementById('status').textContent.includes(`Port ${port}`), target.from);
  await page.waitForSelector('#map .cursor', { state: 'attached' });
  const status = await page.textContent('#status');
  check(status.includes(target.path), `${name}: searching ${target.from} says ${JSON.stringify(status)}`);
  const view = await axis(page);
  const mapBox = await box(page, '#map');
  const cursor = await box(page, '#map .cursor');
  check(Math.abs(cursor.cx - view.x(target.from)) <= Math.max(1.5, view.perPort / 2), `${name}: the cursor for ${target.from} is not at its port`);
  check(cursor.cx > mapBox.left && cursor.cx < mapBox.right, `${name}: port ${target.from} is not in view after searching for it`);
  check(view.perPort > 0.5, `${name}: searching ${target.from} did not zoom in (${view.perPort.toFixed(3)} px per port)`);
  await page.screenshot({ path: `${p.screenshots}-search.png`, fullPage: true });

  if (p.conflict) {
    await page.click('[data-act=all]');
    const { paths, port } = p.conflict;
    for (const path of paths) {
      const sel = await markOf(page, path);
      check(sel, `${name}: no mark for ${path}`);
      check(await page.$eval(sel, (el) => el.classList.contains('conflict')), `${name}: ${path} is not drawn as a conflict`);
    }
    const marker = await page.$$eval('#map .finding.error', (els) => els.map((el) => el.getAttribute('aria-label')));
    check(marker.some((l) => l.includes('duplicate-port')), `${name}: no duplicate-port marker on the map (${marker.join('; ')})`);
    const { x } = await axis(page);
    const m = await page.$$eval('#map .finding.error', (els) => {
      const el = els.find((e) => e.getAttribute('aria-label').includes('duplicate-port'));
      const r = el.getBoundingClientRect();
      return r.left + r.width / 2;
    });
    check(Math.abs(m - x(port)) <= 1.5, `${name}: the conflict marker is not at port ${port}`);
    // The finding beside the map links to its marks.
    await page.click('#findings a[data-f]');
    await page.waitForFunction((ps) => ps.some((q) => document.activeElement?.getAttribute('aria-label')?.startsWith(`${q}, `)), paths);
    await page.screenshot({ path: `${p.screenshots}-conflict.png`, fullPage: true });
  }
  // For the README: the map zoomed to one block, as a person would look at it.
  if (p.portrait) {
    await page.click('[data-act=all]');
    await page.fill('#search', p.portrait);
    await page.press('#search', 'Enter');
    await page.waitForFunction((q) => document.getElementById('status').textContent.includes(q), p.portrait);
    await page.mouse.move(0, 0);
    const a = await box(page, '#controls'), b = await box(page, '#legend');
    const m = await box(page, '#map');
    await page.screenshot({ path: `${p.screenshots}-portrait.png`, clip: { x: m.left - 8, y: a.top - 8, width: m.right - m.left + 16, height: b.bottom - a.top + 16 } });
  }
  await context.close();

  // Dark, and narrow: the same page, nothing wider than the window.
  const dark = await open(browser, url, { scheme: 'dark' });
  const bg = await dark.page.evaluate(() => getComputedStyle(document.body).backgroundColor);
  check(bg !== 'rgb(253, 253, 252)', `${name}: the dark scheme keeps the light background`);
  await dark.page.screenshot({ path: `${p.screenshots}-dark.png`, fullPage: true });
  await dark.context.close();
  const narrow = await open(browser, url, { width: 400, height: 800 });
  const over = await narrow.page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(over <= 1, `${name}: at 400 px the page is ${over} px wider than the window`);
  const first = p.samples[0];
  await narrow.page.fill('#search', first.path);
  await narrow.page.press('#search', 'Enter');
  await narrow.page.waitForFunction((path) => document.activeElement?.getAttribute('aria-label')?.startsWith(`${path}, `), first.path);
  await narrow.page.screenshot({ path: `${p.screenshots}-narrow.png`, fullPage: true });
  errors.push(...dark.errors, ...narrow.errors);
  await narrow.context.close();
  check(errors.length === 0, `${name}: ${errors.join('\n')}`);
}
