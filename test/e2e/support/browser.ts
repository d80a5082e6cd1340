import puppeteer, { type Browser } from 'puppeteer-core';
import { CHROMIUM_ARGS, chromiumPath } from '@tollgate/platform';

/** One headless Debian Chromium for a test file; close it in afterAll. */
export function launchBrowser(): Promise<Browser> {
  return puppeteer.launch({ executablePath: chromiumPath(), args: [...CHROMIUM_ARGS] });
}
