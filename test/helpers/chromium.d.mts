import type { Browser } from 'playwright-core';

/** Where Debian installs Chromium; CROWSNEST_CHROMIUM overrides it. */
export declare const CHROMIUM_PATH: string;
/** A headless Chromium with a fresh temporary profile; close() it when done. */
export declare function launchChromium(): Promise<Browser>;
