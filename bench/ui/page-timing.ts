import type { Browser, Page } from 'playwright-core';

/**
 * Page-side timing for the UI benchmark. Times are taken in the page with performance.now() (ms
 * since the navigation started), so they include loading the page, its script and its API calls,
 * and end when the awaited rows are in the document (a MutationObserver sees them appear).
 */

/** Installed before any page script: records when each named CSS selector first matches. */
const MARKS = `(() => {
  window.__marks = {};
  window.__want = window.__want || {};
  const check = () => {
    for (const [name, selectors] of Object.entries(window.__want)) {
      if (window.__marks[name] === undefined && selectors.every((s) => document.querySelector(s) !== null)) window.__marks[name] = performance.now();
    }
  };
  new MutationObserver(check).observe(document, { subtree: true, childList: true, characterData: true });
})()`;

/** Opens `url` in a fresh context and answers when every selector matched: ms from navigation start. */
export async function timeFirstRows(browser: Browser, url: string, selectors: readonly string[], timeoutMs = 60_000): Promise<{ ms: number; page: Page }> {
  const context = await browser.newContext({ viewport: { width: 1360, height: 860 }, colorScheme: 'light' });
  const page = await context.newPage();
  await page.addInitScript(`window.__want = ${JSON.stringify({ rows: selectors })};`);
  await page.addInitScript(MARKS);
  await page.goto(url);
  // A function, not a string: the UI's Content-Security-Policy forbids evaluating strings.
  await page.waitForFunction(() => (globalThis as { __marks?: { rows?: number } }).__marks?.rows !== undefined, null, { timeout: timeoutMs, polling: 50 });
  const ms = (await page.evaluate('window.__marks.rows')) as number;
  return { ms, page };
}

/**
 * Runs `action` (JavaScript run in the page) and answers the ms until `done` (a JavaScript
 * expression) holds, checked on every DOM change and animation frame.
 */
export async function timeInteraction(page: Page, action: string, done: string, timeoutMs = 30_000): Promise<number> {
  return page.evaluate(`new Promise((resolve, reject) => {
    const t0 = performance.now();
    const timer = setTimeout(() => reject(new Error('not done within ${timeoutMs} ms: ' + ${JSON.stringify(done)})), ${timeoutMs});
    const observer = new MutationObserver(() => check());
    const check = () => {
      if (!(${done})) return false;
      clearTimeout(timer);
      observer.disconnect();
      resolve(performance.now() - t0);
      return true;
    };
    observer.observe(document, { subtree: true, childList: true, characterData: true, attributes: true });
    ${action};
    const frame = () => { if (!check()) requestAnimationFrame(frame); };
    requestAnimationFrame(frame);
  })`) as Promise<number>;
}

/** JavaScript that types `text` into the search box labelled `label` as a user's input would. */
export const typeInto = (label: string, text: string): string =>
  `(() => { const el = document.querySelector('input[aria-label=${JSON.stringify(label)}]'); el.focus(); el.value = ${JSON.stringify(text)}; el.dispatchEvent(new Event('input', { bubbles: true })); })()`;
