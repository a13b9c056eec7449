import { existsSync } from 'node:fs';
import { type Browser, chromium } from 'playwright-core';

/** Debian's Chromium (never a downloaded browser); CROWSNEST_CHROMIUM overrides the path. */
export const CHROMIUM_PATH = process.env['CROWSNEST_CHROMIUM'] || '/usr/bin/chromium';

/** A headless Chromium for the UI benchmark, as the browser tests launch it. */
export async function launchBenchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM_PATH)) throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium package or set CROWSNEST_CHROMIUM`);
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
