import { requirePeer } from '../../../server/test/support/interop.js';
import { chromiumMissing } from './browser.js';

/** Skips the file's tests (or fails under PARLEY_REQUIRE_INTEROP=1) when Debian's Chromium is missing. */
export function requireChromium(): Promise<string | undefined> {
  return requirePeer('Chromium', async () => {
    const missing = chromiumMissing();
    if (missing) throw new Error(missing);
  });
}
