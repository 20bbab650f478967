// Starting Debian's Chromium for the book's browser scripts.
import { chromium } from 'playwright-core';

// Without the network flags, Chromium tries to reach Google's services at start-up (updates,
// sync, field trials); on a machine without the network those attempts only fail and slow it.
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

export function launch() {
    return chromium.launch({
        // The browser test passes the Chromium it found; by hand, Debian's is the default.
        executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
        args: ARGS,
        timeout: 120_000,
    });
}
