// Launches Debian's Chromium through playwright-core (never a downloaded browser), headless, with a
// fresh profile per launch. Shared by the browser tests and the screenshot script.
import { existsSync } from 'node:fs';
import { chromium } from 'playwright-core';

/** Where Debian installs Chromium (`apt-get install chromium`); CROWSNEST_CHROMIUM overrides it. */
export const CHROMIUM_PATH = process.env.CROWSNEST_CHROMIUM || '/usr/bin/chromium';

const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** A headless Chromium; playwright gives it a new temporary user-data-dir and removes it on close(). */
export async function launchChromium() {
  if (!existsSync(CHROMIUM_PATH)) {
    throw new Error(`Chromium not found at ${CHROMIUM_PATH}: install Debian's chromium package (apt-get install chromium; npm test does, through npm run setup:system) or set CROWSNEST_CHROMIUM`);
  }
  return chromium.launch({ executablePath: CHROMIUM_PATH, headless: true, args: ARGS });
}
