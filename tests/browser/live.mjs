// The dashboard of `portnix serve`: leases taken and released through the server's API appear
// on the page and leave it, without a reload. Usage: node live.mjs URL SERVICE_TYPE SCREENSHOT
// [TOKEN]: with a token, the browser gives it as Basic's password, as a person would at the
// prompt, and the page's own requests carry it from there.
import { launch, open, check, fail } from './browser.mjs';

const [url, type, screenshot, token] = process.argv.slice(2);
const browser = await launch();
try {
  const credentials = token ? { username: 'me', password: token } : undefined;
  const { page, errors, requests } = await open(browser, `${url}/`, { credentials });
  const auth = token ? { authorization: `Bearer ${token}` } : {};
  const post = async (path, body) => {
    const r = await fetch(`${url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...auth }, body: JSON.stringify(body) });
    if (!r.ok) fail(`POST ${path}: HTTP ${r.status} ${await r.text()}`);
    return r.json();
  };
  // The server itself listens: the host's listeners include its own port.
  const own = Number(new URL(url).port);
  await page.waitForSelector(`#listening li[data-listen="${own}"]`, { timeout: 10000 });
  const taken = [];
  for (const name of ['web-a', 'web-b']) {
    taken.push((await post('/ports/allocate', { service_name: name, service_type: type, ttl_seconds: 120 })).allocation);
  }
  for (const a of taken) {
    await page.waitForSelector(`#leases li[data-lease="${a.service_name}"]`, { timeout: 10000 });
    const text = await page.textContent(`#leases li[data-lease="${a.service_name}"]`);
    check(text.includes(String(a.port)) && text.includes('expires'), `the lease of ${a.service_name} reads ${JSON.stringify(text)}`);
  }
  // Going to a lease's port draws it on the map.
  await page.click(`#leases li[data-lease="web-a"] a`);
  await page.waitForSelector('#map .lease[data-lease="web-a"]', { timeout: 10000 });
  await page.screenshot({ path: screenshot, fullPage: true });
  await post('/ports/release', { service_name: 'web-a' });
  await page.waitForSelector('#leases li[data-lease="web-a"]', { state: 'detached', timeout: 10000 });
  await page.waitForSelector('#map .lease[data-lease="web-a"]', { state: 'detached', timeout: 10000 });
  check(await page.$('#leases li[data-lease="web-b"]'), 'releasing web-a took web-b off the page too');
  await post('/ports/release', { service_name: 'web-b' });
  await page.waitForSelector('#leases li[data-lease="web-b"]', { state: 'detached', timeout: 10000 });
  // It read only its own server's API.
  const elsewhere = requests.filter((r) => !r.startsWith(`${url}/`) && !r.startsWith('data:'));
  check(elsewhere.length === 0, `the dashboard requested ${elsewhere.join(', ')}`);
  const routes = new Set(requests.filter((r) => r.startsWith(`${url}/`)).map((r) => new URL(r).pathname));
  check([...routes].every((r) => ['/', '/ports/directory', '/ports/listening'].includes(r)), `the dashboard asked for ${[...routes].join(', ')}`);
  check(errors.length === 0, errors.join('\n'));
  console.log(`live: ok (${taken.map((a) => `${a.service_name}@${a.port}`).join(', ')})`);
} finally {
  await browser.close();
}
