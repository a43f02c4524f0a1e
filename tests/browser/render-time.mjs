// For scripts/bench-html: how long Chromium takes from navigation to the first painted map, the
// median of RUNS fresh pages per file. Usage: node render-time.mjs RUNS FILE... ; prints
// "FILE MEDIAN_MS" lines. A page without the map's script is timed to its load event.
import { launch } from './browser.mjs';

const [runs, ...files] = process.argv.slice(2);
const browser = await launch();
try {
  for (const file of files) {
    const times = [];
    for (let i = 0; i < Number(runs); i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
      const page = await context.newPage();
      const errors = [];
      page.on('pageerror', (e) => errors.push(e.message));
      await page.goto(`file://${file}`, { waitUntil: 'load', timeout: 60000 });
      const mapped = await page.evaluate(() => [...document.scripts].some((s) => !s.type && s.textContent.trim()));
      if (mapped) await page.waitForSelector('html[data-ready]', { timeout: 60000 });
      times.push(await page.evaluate(() => window.portnixReadyAt ?? performance.getEntriesByType('navigation')[0].loadEventEnd));
      if (errors.length) throw new Error(`${file}: ${errors.join('; ')}`);
      await context.close();
    }
    times.sort((a, b) => a - b);
    console.log(`${file} ${times[(times.length - 1) >> 1].toFixed(0)}`);
  }
} finally {
  await browser.close();
}
