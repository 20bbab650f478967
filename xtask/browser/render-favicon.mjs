// Renders theme/favicon.svg to theme/favicon.png (192 x 192) with the same Chromium as the
// browser test, so the two favicons cannot drift apart. Run it after changing the SVG:
//   node xtask/browser/render-favicon.mjs
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { launch } from './chromium.mjs';

const theme = fileURLToPath(new URL('../../theme/', import.meta.url));
const svg = await readFile(theme + 'favicon.svg', 'utf8');
const browser = await launch();
try {
    const page = await browser.newPage({ viewport: { width: 192, height: 192 } });
    await page.setContent(
        '<style>html, body { margin: 0; background: transparent; } svg { width: 192px; height: 192px; display: block; }</style>'
        + svg);
    await page.locator('svg').screenshot({ path: theme + 'favicon.png', omitBackground: true });
} finally {
    await browser.close();
}
