// The book as a reader sees it: headless Chromium through every page of the built book.
//
//   node xtask/browser/check.mjs BASE_URL SCREENSHOT_DIR EXPECTED_JSON
//
// SCREENSHOT_DIR "-" takes no screenshot: CI has nobody to look at them, and they were about
// 45% of the browser's summed time at chapter 20 (xtask/tests/browser.rs passes "-" there).
// BASE_URL serves the built book (xtask/tests/browser.rs starts a server on 127.0.0.1).
// EXPECTED_JSON is what the sources say the pages must hold, written by the Rust test:
//   { "pages": [{ "path": "ch02-choices.html", "formulas": 79, "calculator": true }, ...],
//     "examples": ["ch02_amdahl", ...], "compile_fail": ["ch03_borrowed_counter", ...],
//     "python": ["ch01_primes", ...], "loom_src": ["lib", ...], "loom_tests": ["mailbox", ...],
//     "packages": ["ch12-parking-lot-detector"], (programs that are packages of their own)
//     "favicon_svg": "<svg ...>" }           (pages in SUMMARY.md's order)
// Prints one line per problem and exits 1 when there is any; saves a screenshot of every page
// in the light and the navy theme, and at a phone's width, to SCREENSHOT_DIR.
//
// Accessibility (issue 19): axe-core runs on every page in mdBook's five themes, at a desktop
// width and at a phone's (390 CSS px); any critical or serious violation is a problem, named
// with the page, the theme, the width, the rule and the element. The rules that look at
// colour run on every page in every theme (at the desktop width: colours do not change with
// the width, and mdBook's folded menu bar at 390 px is checked in every theme on the index),
// on one element of each distinct style (see axeCheck), so the themes other than light load
// only the pages where the light pass found a style no earlier page had (see lightVerdicts);
// the others do not depend on the theme and run on every page at both widths, in light.
// print.html repeats every chapter, checked page by page, so axe-core skips it.
//
// BOOK_PAGES=ch03 checks only the pages whose path contains "ch03" (index.html, print.html and
// 404.html too when they match), plus the site-wide checks that hold for any selection: the
// sidebar against SUMMARY.md, search, the favicon. Unset, every page is checked.
import { mkdir, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { launch } from './chromium.mjs';

const [base, shotDir, expectedPath] = process.argv.slice(2);
if (!base || !shotDir || !expectedPath) {
    console.error('usage: node check.mjs BASE_URL SCREENSHOT_DIR EXPECTED_JSON');
    process.exit(2);
}
const expected = JSON.parse(await readFile(expectedPath, 'utf8'));
const origin = new URL(base).origin;
const url = page => new URL(page, base).href;

const PLAYGROUND = 'https://play.rust-lang.org/execute';
// The page that holds <div id="amdahl-calculator">, as browser.rs found it in the sources.
const CALCULATOR_PAGE = expected.pages.find(p => p.calculator)?.path ?? null;
// Searching this must lead to one of chapter 2's pages.
const SEARCH_TERM = 'Amdahl';
const SEARCH_LANDS = /\/ch02-[^/]*\.html$/;
const SELECTION = process.env.BOOK_PAGES || '';
const selected = pagePath => pagePath.includes(SELECTION);

const THEMES = ['light', 'rust', 'coal', 'navy', 'ayu'];
const DESKTOP = { width: 1280, height: 900 };
const PHONE = { width: 390, height: 844 };
// axe-core, pinned in package.json, is injected into the page under test.
const require = createRequire(import.meta.url);
const AXE_SOURCE = await readFile(require.resolve('axe-core/axe.min.js'), 'utf8');
const AXE_VERSION = JSON.parse(await readFile(require.resolve('axe-core/package.json'), 'utf8')).version;
// The rules whose result depends on the theme's colours; every other rule depends on the
// markup and the layout only.
const COLOUR_RULES = ['color-contrast', 'link-in-text-block'];
// The rules (of those axe-core runs by default) whose outcome depends on the width, not only
// on the page's markup: whether a block overflows, and so must be focusable from the keyboard,
// and the viewport's zoom. The phone pass runs these on every page; the others look at the
// same markup as the light pass at the desktop width, so at 390 px they run only where
// mdBook's chrome or the calculator changes with the width (the index, the calculator's page).
const LAYOUT_RULES = ['scrollable-region-focusable', 'meta-viewport', 'meta-viewport-large'];
// How many elements are named for one rule on one page; the count says how many there are.
const NAMED_ELEMENTS = 3;
// Timeouts are generous: the machine may be busy with other builds, and a slow pass is not a
// failure. Waits are on conditions, never fixed sleeps.
const TIMEOUT = 60_000;

const problems = [];
const problem = (place, what) => problems.push(`${place}: ${what}`);
/** Moderate and minor accessibility findings: shown, not failures (CONTRIBUTING.md lists them). */
const notes = [];
const axeTime = { runs: 0, ms: 0 };
const shotTime = { ms: 0 };
/** Per theme, the style paths whose colours axe-core has checked (see axeCheck). */
const styled = new Map();
const started = Date.now();
const progress = text => console.log(`[${((Date.now() - started) / 1000).toFixed(1)} s] ${text}`);

/** Where each open page is, for the messages of its listeners. */
const where = new Map();
/** Which pass through the book a page belongs to, for the messages: all but light's are marked. */
const passOf = new Map();
const passLabel = page => passOf.get(page) || '';
const pathOf = address => address.startsWith(origin + '/')
    ? address.slice(origin.length + 1).split(/[?#]/)[0]
    : address;

/** A page whose requests, responses, console and errors are all checked. */
async function watchedPage(context) {
    const page = await context.newPage();
    const at = () => where.get(page) || '(no page yet)';
    page.on('console', message => {
        if (message.type() === 'error') {
            const { url: source, lineNumber } = message.location();
            const place = source ? ` (${source.replace(origin + '/', '')}:${lineNumber})` : '';
            problem(at(), `console error: ${message.text()}${place}`);
        }
    });
    page.on('pageerror', error => problem(at(), `script error: ${error.message}`));
    page.on('requestfailed', request => {
        // Requests stopped by the route below were reported there. ERR_ABORTED is the page
        // itself dropping a load it no longer needs (the next navigation cancels a favicon or
        // a theme's stylesheet in flight); a load that fails shows as a status or a network
        // error instead.
        const error = request.failure()?.errorText;
        if (request.url().startsWith(origin + '/') && error !== 'net::ERR_ABORTED') {
            problem(at(), `request failed: ${request.url()} (${error})`);
        }
    });
    page.on('response', response => {
        if (response.status() >= 400) {
            problem(at(), `HTTP ${response.status()} for ${response.url()}`);
        }
    });
    page.on('websocket', socket => problem(at(), `opens a WebSocket to ${socket.url()}`));
    // A click (a search result, a link) can take the page elsewhere; name where it is now.
    page.on('framenavigated', frame => {
        if (frame === page.mainFrame()) {
            where.set(page, pathOf(frame.url()) + passLabel(page));
        }
    });
    return page;
}

async function newContext(browser, viewport = DESKTOP) {
    const context = await browser.newContext({
        viewport,
        colorScheme: 'light',
        serviceWorkers: 'block',
    });
    context.setDefaultTimeout(TIMEOUT);
    context.setDefaultNavigationTimeout(TIMEOUT);
    // Nothing may leave the machine: every request to another origin is reported and stopped.
    await context.route('**/*', route => {
        const request = route.request();
        if (request.url().startsWith(origin + '/')) {
            return route.continue();
        }
        const page = request.frame()?.page();
        problem(where.get(page) || 'a page', `a request leaves localhost: ${request.method()} ${request.url()}`);
        return route.abort('blockedbyclient');
    });
    return context;
}

async function open(page, path) {
    where.set(page, path + passLabel(page));
    await page.goto(url(path), { waitUntil: 'load' });
    await settle(page);
}

/** Waits until fonts and images have finished loading, whether they loaded or failed. */
async function settle(page) {
    await page.evaluate(() => document.fonts.ready.then(() => undefined));
    await page.waitForFunction(() => Array.from(document.images).every(img => img.complete));
}

/** What the reader would see wrong on the current page. */
function inspect(page, formulas) {
    return page.evaluate(expectedFormulas => {
        const found = [];
        const main = document.querySelector('main');
        if (!main) {
            return { found: ['no <main> element: the page did not render'], title: '' };
        }
        const clean = family => family.trim().replace(/^["']|["']$/g, '');

        // Formulas: mdbook-katex leaves the source of a formula it cannot render in the page,
        // so a count below the source's means a formula the reader sees as raw TeX.
        const rendered = main.querySelectorAll('.katex').length;
        if (expectedFormulas !== null && rendered !== expectedFormulas) {
            found.push(`${rendered} formulas rendered where the source has ${expectedFormulas}`);
        }
        // TeX the reader would see raw: a `$...$` in the prose (a literal dollar is written
        // `\$` and followed by a digit or a space, which this does not match).
        const walker = document.createTreeWalker(main, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
            if (node.parentElement.closest('pre, code, .katex, script, style, textarea')) {
                continue;
            }
            const raw = node.textContent.match(/\$\$|\$(?=[^\s\d$])[^$]*\$/);
            if (raw) {
                found.push(`raw TeX in the text: "${raw[0].slice(0, 80)}"`);
            }
        }
        if (main.querySelector('.katex-error')) {
            found.push(`KaTeX error: ${main.querySelector('.katex-error').textContent.slice(0, 120)}`);
        }

        // Fonts. document.fonts.check() only says whether a font *could* be used without a
        // load; the faces themselves say whether their file loaded.
        const faces = Array.from(document.fonts).map(face => ({
            family: clean(face.family), status: face.status, style: face.style, weight: face.weight,
        }));
        for (const face of faces.filter(f => f.status === 'error')) {
            found.push(`font ${face.family} (${face.style} ${face.weight}) failed to load`);
        }
        if (rendered > 0) {
            if (!faces.some(f => f.family === 'KaTeX_Main' && f.status === 'loaded')) {
                found.push('KaTeX_Main is not loaded: formulas are drawn in a fallback font');
            }
            const used = new Set();
            for (const element of main.querySelectorAll('.katex-html *')) {
                const text = Array.from(element.childNodes)
                    .some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
                if (text) {
                    used.add(clean(getComputedStyle(element).fontFamily.split(',')[0]));
                }
            }
            for (const family of used) {
                if (family.startsWith('KaTeX_')
                    && !faces.some(f => f.family === family && f.status === 'loaded')) {
                    found.push(`formulas use ${family}, but none of its faces loaded`);
                }
            }
        }

        // Images and figures: loaded, with a size, and described.
        for (const img of document.images) {
            const name = img.getAttribute('src');
            const box = img.getBoundingClientRect();
            // mdBook shows a figure twice: on the page, and (hidden until clicked) zoomed in.
            const zoomed = img.closest('.img-wrapper');
            if (img.naturalWidth === 0 || img.naturalHeight === 0) {
                found.push(`image ${name} did not load`);
            } else if (!zoomed && (box.width === 0 || box.height === 0)) {
                found.push(`image ${name} takes no space on the page`);
            }
            if (!(img.getAttribute('alt') || '').trim()) {
                found.push(`image ${name} has no alt text`);
            }
        }
        // Inline SVG drawn by the page (KaTeX's and mdBook's icons aside).
        for (const svg of main.querySelectorAll('svg')) {
            if (svg.parentElement.closest('svg, .katex, .fa-svg, .buttons')) {
                continue;
            }
            const box = svg.getBoundingClientRect();
            if (box.width === 0 || box.height === 0) {
                found.push(`an inline SVG (${svg.getAttribute('class') || 'no class'}) has no size`);
            }
        }
        // A table wider than the text column hides its last columns behind a sideways scroll.
        for (const table of main.querySelectorAll('table')) {
            const column = table.parentElement.clientWidth;
            if (table.scrollWidth > column + 1) {
                const head = table.querySelector('th, td')?.textContent.trim();
                found.push(`a table (first cell "${head}") is ${table.scrollWidth} px wide in a ${column} px column`);
            }
        }
        const h1 = main.querySelector('h1');
        return { found, title: h1 ? h1.textContent.trim() : '' };
    }, formulas);
}

/** The captions' commands (theme/listings.js), against the files that exist. */
function checkCaptions(page) {
    return page.evaluate(({ examples, compileFail, python, loomSrc, loomTests, extensionSrc, packages }) => {
        const found = [];
        for (const caption of document.querySelectorAll('main p.caption')) {
            if (!/^\s*Listing\b/.test(caption.textContent)) {
                continue;
            }
            const files = Array.from(caption.querySelectorAll(':scope > code'))
                .map(c => c.textContent.trim())
                .filter(t => ['examples/', 'python/', 'loom-models/', 'ch15-primes/'].some(folder => t.startsWith(folder))
                    || /^ch\d\d-[a-z0-9-]+\/src\//.test(t));
            const label = caption.textContent.trim().split(':')[0];
            if (files.length === 0) {
                found.push(`${label} names no file (examples/..., python/..., loom-models/..., ch15-primes/... or chNN-slug/src/main.rs)`);
                continue;
            }
            const file = files[files.length - 1];
            const command = caption.querySelector('.caption-command code')?.textContent;
            let m;
            if ((m = file.match(/^examples\/compile_fail\/(\w+)\.rs$/))) {
                if (!compileFail.includes(m[1])) {
                    found.push(`${label} names ${file}, which does not exist`);
                }
                if (command !== `rustc --edition 2021 ${file}`) {
                    found.push(`${label}: the caption does not give the rustc command (${command})`);
                }
            } else if ((m = file.match(/^python\/(\w+)\.py$/))) {
                if (!python.includes(m[1])) {
                    found.push(`${label} names ${file}, which does not exist`);
                }
                if (command !== `python3 ${file}`) {
                    found.push(`${label}: the caption does not give the python3 command (${command})`);
                }
            } else if ((m = file.match(/^examples\/(\w+)\.rs$/))) {
                if (!examples.includes(m[1])) {
                    found.push(`${label} names ${file}, which does not exist`);
                }
                if (command !== `cargo run --release --example ${m[1]}`) {
                    found.push(`${label}: the caption does not give the cargo command (${command})`);
                }
            } else if ((m = file.match(/^loom-models\/(src|tests)\/(\w+)\.rs$/))) {
                // A structure checked by loom: shown from its file, run by the loom models' tests.
                if (!(m[1] === 'src' ? loomSrc : loomTests).includes(m[2])) {
                    found.push(`${label} names ${file}, which does not exist`);
                }
            } else if ((m = file.match(/^(ch\d\d-[a-z0-9-]+)\/src\/main\.rs$/))) {
                // A program that is a package of its own, run with `-p`.
                if (!packages.includes(m[1])) {
                    found.push(`${label} names ${file}, which is not a package of the book's`);
                }
                if (command !== `cargo run --release -p ${m[1]}`) {
                    found.push(`${label}: the caption does not give the cargo command (${command})`);
                }
            } else if ((m = file.match(/^ch15-primes\/src\/(\w+)\.rs$/))) {
                // Chapter 15's Python extension: shown from its file, built by maturin.
                if (!extensionSrc.includes(m[1])) {
                    found.push(`${label} names ${file}, which does not exist`);
                }
            }
        }
        return found;
    }, {
        examples: expected.examples, compileFail: expected.compile_fail, python: expected.python,
        loomSrc: expected.loom_src, loomTests: expected.loom_tests, extensionSrc: expected.extension_src,
        packages: expected.packages,
    });
}

/** Run buttons: only on listings the Playground can build, and nothing fetched until used. */
function checkRunButtons(page) {
    return page.evaluate(() => {
        const found = [];
        const bars = Array.from(document.querySelectorAll('main .run-bar'));
        for (const bar of bars) {
            let listing = bar.previousElementSibling;
            if (listing?.matches('p.caption')) {
                listing = listing.previousElementSibling;
            }
            const code = listing?.matches('pre') ? listing.querySelector('code') : null;
            if (!code) {
                found.push('a Run button that belongs to no listing');
            } else if (code.classList.contains('compile_fail')) {
                found.push('a Run button under a compile_fail listing');
            } else if (/include!\s*\(|cpu_time/.test(code.textContent)) {
                found.push(`a Run button under a listing the Playground cannot build: ${code.textContent.split('\n')[0]}`);
            }
        }
        return { found, count: bars.length };
    });
}

function slug(page) {
    return page.replace(/\.html$/, '').replace(/[^\w-]+/g, '-');
}

async function screenshot(page, index, name, theme) {
    // theme is "light", "navy" or "phone" (light at 390 px).
    if (shotDir === '-') {
        return;
    }
    const file = path.join(shotDir, `${String(index).padStart(2, '0')}-${slug(name)}-${theme}.jpg`);
    // The print page is every chapter again, 80 000 pixels tall: its first screen shows that
    // it renders, and the chapters' own screenshots show the rest. JPEG, because encoding
    // 90 000 pixel rows of PNG per theme cost about 4 s of a 26 s check; at this quality
    // text and formulas stay sharp enough to read.
    // At 390 px a page is three times as tall; its first two screens show the layout.
    const began = Date.now();
    await page.screenshot({
        path: file, type: 'jpeg', quality: 85,
        fullPage: name !== 'print.html' && theme !== 'phone',
        clip: theme === 'phone' ? { x: 0, y: 0, width: PHONE.width, height: 2 * PHONE.height } : undefined,
    });
    shotTime.ms += Date.now() - began;
}

/** WCAG contrast ratio of an element's text against the background behind it. */
function contrastOf(page, selector) {
    return page.evaluate(selector => {
        const element = document.querySelector(selector);
        if (!element) {
            return null;
        }
        const rgba = text => text.match(/[\d.]+/g).map(Number);
        const luminance = ([r, g, b]) => {
            const lin = c => (c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
            return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
        };
        let background = null;
        for (let e = element; e && !background; e = e.parentElement) {
            const color = rgba(getComputedStyle(e).backgroundColor);
            if (color.length < 4 || color[3] > 0) {
                background = color;
            }
        }
        const fg = luminance(rgba(getComputedStyle(element).color));
        const bg = luminance(background || [255, 255, 255]);
        return (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
    }, selector);
}

async function checkContrast(page, theme) {
    for (const selector of ['#amdahl-calculator output', '#amdahl-calculator label',
        '#amdahl-calculator .tick', '.run-bar .run-button', '.run-bar .run-where']) {
        const ratio = await contrastOf(page, selector);
        if (ratio !== null && ratio < 4.5) {
            problem(`${where.get(page)} (${theme})`, `${selector} has a contrast of ${ratio.toFixed(2)}:1 with its background, below 4.5:1`);
        }
    }
}

// --- Accessibility ---------------------------------------------------------------------------

/**
 * Runs axe-core on the page as it is now and reports what it finds at `at` (page, theme and
 * width). `rules` is 'all', 'structure' (all but the colour rules), 'colour' or 'layout'.
 * Returns how many styles the colour rules saw for the first time in this theme (0 for the
 * other rules).
 */
async function axeCheck(page, at, rules, theme = 'light') {
    if (!await page.evaluate(() => typeof window.axe === 'object')) {
        await page.evaluate(AXE_SOURCE);
    }
    const began = Date.now();
    if (!styled.has(theme)) {
        styled.set(theme, new Set());
    }
    const seen = styled.get(theme);
    const run = () => page.evaluate(async ({ rules, colourRules, layoutRules, seenBefore }) => {
        const options = { resultTypes: ['violations'] };
        if (rules === 'colour') {
            options.runOnly = { type: 'rule', values: colourRules };
        } else if (rules === 'layout') {
            options.runOnly = { type: 'rule', values: layoutRules };
        } else if (rules === 'structure') {
            options.rules = Object.fromEntries(colourRules.map(r => [r, { enabled: false }]));
        }
        let context = document;
        let paths = [];
        if (rules === 'colour') {
            // Colour is decided by CSS, so two texts whose elements have the same chain of tags,
            // classes, inline styles, mdBook's and the book's ids, and table-row parity up to
            // <body> are drawn alike: the colour rules see the first of each in a theme, on
            // the first page that has it (with what it holds). That is about 60 elements of a
            // chapter page's 600, and fewer on each later page. A formula is drawn in the
            // colour of the text around it, which is checked: its spans are left out.
            const style = e => {
                let path = '';
                for (; e && e !== document.body; e = e.parentElement) {
                    const parity = e.tagName === 'TR' ? Array.from(e.parentElement.children).indexOf(e) % 2 : '';
                    const id = /^(mdbook|amdahl)-/.test(e.id) ? e.id : '';
                    path = `${e.tagName}#${id}.${e.getAttribute('class') || ''}[${e.getAttribute('style') || ''}]${parity}>${path}`;
                }
                return path;
            };
            const seen = new Set(seenBefore);
            const before = seen.size;
            const include = [];
            const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
            for (let text = walker.nextNode(); text; text = walker.nextNode()) {
                const element = text.parentElement;
                if (!text.textContent.trim() || element.closest('.katex-html, script, style, template')) {
                    continue;
                }
                const path = style(element);
                if (!seen.has(path)) {
                    seen.add(path);
                    if (!include.some(i => i.contains(element))) {
                        include.push(element);
                    }
                }
            }
            if (include.length === 0) {
                return { violations: [], paths: [] };
            }
            context = { include, exclude: [['.katex-html']] };
            paths = Array.from(seen).slice(before);
        }
        const result = await window.axe.run(context, options);
        return { paths, violations: result.violations.map(v => ({
            id: v.id,
            impact: v.impact,
            help: v.help,
            nodes: v.nodes.map(n => ({
                target: n.target.join(' '),
                message: [...n.any, ...n.all, ...n.none].map(c => c.message).find(Boolean) || v.help,
            })),
        })) };
    }, { rules, colourRules: COLOUR_RULES, layoutRules: LAYOUT_RULES, seenBefore: rules === 'colour' ? Array.from(seen) : [] });
    let { violations, paths } = await run();
    const serious = v => v.impact === 'critical' || v.impact === 'serious';
    if (rules === 'colour' && violations.some(serious)) {
        // Once, at a load average of 40, a listing in coal was read with rust's highlight
        // colour on coal's background, right after the theme switch; it passed in every other
        // run. A colour that is really wrong is wrong a moment later too, so look again once
        // the page has drawn a few more frames, and report what is still there.
        await page.waitForTimeout(300);
        await page.evaluate(() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done))));
        ({ violations, paths } = await run());
    }
    paths.forEach(p => seen.add(p));
    axeTime.runs += 1;
    axeTime.ms += Date.now() - began;
    for (const v of violations) {
        const rule = `axe ${v.id} (${v.impact})`;
        if (serious(v)) {
            for (const node of v.nodes.slice(0, NAMED_ELEMENTS)) {
                problem(at, `${rule}: ${node.target}: ${node.message}`);
            }
            if (v.nodes.length > NAMED_ELEMENTS) {
                problem(at, `${rule}: and ${v.nodes.length - NAMED_ELEMENTS} more elements (${v.help})`);
            }
        } else {
            for (const node of v.nodes) {
                notes.push({ finding: `${rule}: ${node.target}: ${v.help}`, at });
            }
        }
    }
    return paths.length;
}

/** Switches mdBook's theme as its theme menu does (the menu's own click handler). */
async function setTheme(page, theme) {
    await page.evaluate(theme => {
        if (!document.documentElement.classList.contains(theme)) {
            document.getElementById(`mdbook-theme-${theme}`).click();
        }
    }, theme);
    // mdBook swaps highlight.js's colours by enabling one of three stylesheets. Removing a
    // link's `disabled` fetches its sheet again (from the cache, but not at once), and a fetch
    // still pending when the next theme disables that link can land anyway: axe-core once read
    // light-theme code colours in coal that way. So the switch is done when every enabled
    // sheet is loaded and applied and every disabled one is off, and a frame has been drawn.
    await page.waitForFunction(theme => document.documentElement.classList.contains(theme)
        && Array.from(document.querySelectorAll('link[rel="stylesheet"]')).every(link => link.disabled
            ? link.sheet === null || link.sheet.disabled
            : link.sheet !== null && !link.sheet.disabled), theme);
    await page.evaluate(() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done))));
}

/** Opens every <details> (exercise solutions), so that what they hold is checked too. */
async function openDetails(page) {
    await page.evaluate(() => document.querySelectorAll('main details').forEach(d => { d.open = true; }));
    await settle(page);
    // ResizeObservers (theme/listings.js's scrolling blocks, the calculator's chart) answer
    // before the next frame is drawn.
    await page.evaluate(() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done))));
}

/**
 * Nothing sticks out of the viewport: mdBook clips the page sideways (overflow-x on its body),
 * so what is wider than the screen is not scrolled to but cut off. Long lines must scroll
 * inside their own block (a listing, a table). Returns what is wrong.
 */
function checkFits(page) {
    return page.evaluate(() => {
        const found = [];
        const width = document.documentElement.clientWidth;
        const name = e => {
            const text = (e.textContent || '').trim().split('\n')[0].slice(0, 50);
            return `${e.tagName.toLowerCase()}${e.className && typeof e.className === 'string' ? '.' + e.className.trim().split(/\s+/).join('.') : ''}${text ? ` "${text}"` : ''}`;
        };
        // Every box outside the sidebar (off-screen on purpose when folded), down to the blocks
        // that scroll or clip: their own box must fit, what they hold may scroll.
        const walk = element => {
            for (const child of element.children) {
                if (child.id === 'mdbook-sidebar' || child.matches('script, style, template')) {
                    continue;
                }
                const box = child.getBoundingClientRect();
                const style = getComputedStyle(child);
                if (style.display === 'none' || style.visibility === 'hidden') {
                    continue;
                }
                if (box.width > 0 && (box.right > width + 1 || box.left < -1)) {
                    found.push(`${name(child)} spans ${Math.round(box.left)} to ${Math.round(box.right)} px in a ${width} px wide window`);
                    continue;
                }
                if (style.overflowX === 'visible') {
                    walk(child);
                } else if (child.matches('pre > code') && child.scrollWidth > child.clientWidth + 1
                    && !['auto', 'scroll'].includes(style.overflowX)) {
                    found.push(`${name(child)} is cut off instead of scrolling`);
                }
            }
        };
        walk(document.body);
        return found;
    });
}

/**
 * The calculator's chart is legible where it is shown: no text smaller than 10 CSS pixels,
 * none outside the chart.
 */
function checkChartText(page) {
    return page.evaluate(() => {
        const found = [];
        const chart = document.querySelector('#amdahl-calculator svg.amdahl-chart');
        if (!chart) {
            return ['the calculator has no chart'];
        }
        const frame = chart.getBoundingClientRect();
        for (const text of chart.querySelectorAll('text')) {
            const ctm = text.getScreenCTM();
            // The scale of the text's own axis, rotated or not ("speedup" is turned 90°).
            const size = parseFloat(getComputedStyle(text).fontSize) * Math.hypot(ctm.a, ctm.b);
            if (size < 10) {
                found.push(`the chart's text "${text.textContent}" is ${size.toFixed(1)} px, below 10 px`);
            }
            const box = text.getBoundingClientRect();
            if (box.left < frame.left - 1 || box.right > frame.right + 1 || box.top < frame.top - 1 || box.bottom > frame.bottom + 1) {
                found.push(`the chart's text "${text.textContent}" reaches outside the chart`);
            }
        }
        return found;
    });
}

// --- The calculator -------------------------------------------------------------------------

const amdahl = (parallel, j) => 1 / ((1 - parallel / 100) + (parallel / 100) / j);

async function checkCalculator(page) {
    const at = `${CALCULATOR_PAGE} calculator`;
    await open(page, CALCULATOR_PAGE);
    await page.evaluate(() => document.getElementById('amdahl-calculator')?.scrollIntoView());
    where.set(page, at);
    const calculator = page.locator('#amdahl-calculator');
    if (await calculator.count() !== 1) {
        problem(at, 'the page has no <div id="amdahl-calculator">');
        return;
    }
    const role = name => calculator.locator(`[data-role="${name}"]`);
    const read = () => calculator.evaluate(root => {
        const out = name => root.querySelector(`[data-role="${name}"]`);
        const point = out('point');
        return {
            speedup: out('speedup').textContent,
            speedupValue: Number(out('speedup').dataset.value),
            efficiency: out('efficiency').textContent,
            bound: out('bound').textContent,
            pointSpeedup: Number(point?.dataset.speedup),
            pointProcessors: Number(point?.dataset.processors),
            curve: out('curve')?.getAttribute('d'),
            problem: out('problem').textContent,
        };
    });
    const set = async (parallel, processors) => {
        await role('parallel-number').fill(String(parallel));
        await role('processors-number').fill(String(processors));
    };
    const expect = async (parallel, processors, text) => {
        const shown = await read();
        const s = amdahl(parallel, processors);
        const label = `${parallel}% parallel on ${processors} processors`;
        if (text && !shown.speedup.startsWith(text)) {
            problem(at, `${label}: shows speedup ${shown.speedup}, the notes' example is ${text}`);
        }
        if (shown.speedup !== `${s.toFixed(2)}\u00d7` || Math.abs(shown.speedupValue - s) > 1e-9 * s) {
            problem(at, `${label}: shows speedup ${shown.speedup}, Amdahl's law gives ${s.toFixed(4)}`);
        }
        if (shown.efficiency !== `${(100 * s / processors).toFixed(1)} %`) {
            problem(at, `${label}: shows efficiency ${shown.efficiency}, S/j = ${(100 * s / processors).toFixed(2)} %`);
        }
        const bound = parallel < 100 ? `${(1 / (1 - parallel / 100)).toFixed(2)}\u00d7` : null;
        if (bound ? shown.bound !== bound : !/none/.test(shown.bound)) {
            problem(at, `${label}: shows upper bound ${shown.bound}, 1/B = ${bound || 'none'}`);
        }
        if (shown.pointProcessors !== processors || Math.abs(shown.pointSpeedup - s) > 1e-9 * s) {
            problem(at, `${label}: the curve's marked point is at ${shown.pointProcessors} processors, speedup ${shown.pointSpeedup}`);
        }
    };

    // The chapter's two worked examples, first as the page opens (40% on 4).
    await expect(40, 4, '1.43');
    await set(80, 2);
    await expect(80, 2, '1.67');
    for (const [parallel, processors] of [[40, 4], [0, 8], [100, 64], [95, 65536], [50, 1], [99.5, 3], [12.5, 1000]]) {
        await set(parallel, processors);
        await expect(parallel, processors);
    }

    // The curve follows the parallel portion.
    await set(50, 4);
    const before = (await read()).curve;
    await set(90, 4);
    if ((await read()).curve === before) {
        problem(at, 'the curve did not change when the parallel portion went from 50% to 90%');
    }

    // Screen readers: each control is found by its role and the name a screen reader says
    // (Playwright computes accessible names as browsers do), and the results are one live
    // region that holds the new speedup after a change.
    for (const [kind, name] of [['slider', 'Parallel portion'], ['spinbutton', 'Parallel portion in percent'],
        ['slider', 'Processors'], ['spinbutton', 'Number of processors'], ['textbox', /^Paste the table printed by/],
        ['group', 'Amdahl\u2019s law calculator'], ['img', /^Speedup against processors/]]) {
        if (await page.getByRole(kind, { name, exact: typeof name === 'string', includeHidden: true }).count() !== 1) {
            problem(at, `no ${kind} named "${name}" for a screen reader`);
        }
    }
    await set(75, 16);
    const live = await calculator.evaluate(root => {
        const speedup = root.querySelector('[data-role="speedup"]');
        const region = speedup.closest('[aria-live="polite"], [aria-live="assertive"]');
        const nested = region && Array.from(region.querySelectorAll('output, [role="status"], [aria-live]'))
            .some(e => e.getAttribute('aria-live') !== 'off');
        return region
            ? { text: region.textContent, atomic: region.getAttribute('aria-atomic') === 'true', nested }
            : null;
    });
    const wanted = `${amdahl(75, 16).toFixed(2)}\u00d7`;
    if (!live) {
        problem(at, 'the speedup is in no live region: a screen reader does not announce it');
    } else if (!live.text.includes(wanted) || !live.atomic || live.nested) {
        problem(at, `the results' live region (atomic: ${live.atomic}, live regions inside it: ${live.nested}) says "${live.text.trim()}", not ${wanted}`);
    }

    // Keyboard: every control has a name and is reached with Tab; the sliders move with arrows.
    const names = await calculator.evaluate(root => Array.from(root.querySelectorAll('input, textarea, summary')).map(c => {
        const label = c.id && root.querySelector(`label[for="${c.id}"]`);
        return { role: c.dataset.role || c.tagName, name: (label?.textContent || c.getAttribute('aria-label') || c.textContent || '').trim() };
    }));
    for (const control of names.filter(c => !c.name)) {
        problem(at, `the control ${control.role} has no label`);
    }
    await role('parallel-range').focus();
    const order = [];
    for (let i = 0; i < 3; i++) {
        await page.keyboard.press('Tab');
        order.push(await page.evaluate(() => document.activeElement?.dataset.role));
    }
    if (order.join(' ') !== 'parallel-number processors-range processors-number') {
        problem(at, `Tab from the parallel slider goes to ${order.join(', ')}`);
    }
    await set(90, 4);
    await role('processors-range').focus();
    await page.keyboard.press('ArrowRight');
    await expect(90, 8);
    if (await role('processors-number').inputValue() !== '8') {
        problem(at, 'the processor slider moved but the number field does not say 8');
    }
    await role('parallel-range').focus();
    await page.keyboard.press('ArrowLeft');
    await expect(89, 8);

    // A bad value is refused, said so, and leaves the results alone.
    await role('processors-number').fill('0');
    const refused = await read();
    if (!refused.problem || refused.pointProcessors !== 8) {
        problem(at, `0 processors was not refused (message "${refused.problem}", point at ${refused.pointProcessors})`);
    }
    await set(89, 8);

    // The chapter's own ch02_amdahl run, pasted in, is plotted point by point: the run shown
    // on the calculator's page, or else on another page of chapter 2.
    const chapter = [CALCULATOR_PAGE, ...expected.pages.map(p => p.path)
        .filter(p => p !== CALCULATOR_PAGE && p.startsWith(CALCULATOR_PAGE.slice(0, 5)))];
    const transcript = await page.evaluate(async pages => {
        for (const pagePath of pages) {
            const html = await (await fetch(pagePath)).text();
            const found = Array.from(new DOMParser().parseFromString(html, 'text/html').querySelectorAll('main pre code'))
                .map(c => c.textContent)
                .find(t => t.startsWith('$ cargo run --release --example ch02_amdahl') && /speedup/.test(t));
            if (found) {
                return found;
            }
        }
        return null;
    }, chapter);
    if (!transcript) {
        problem(at, `no page of ${chapter.join(', ')} shows a ch02_amdahl run to paste into the calculator`);
        return;
    }
    const rows = [];
    let header = null;
    for (const line of transcript.split('\n')) {
        const columns = line.trim().split(/\s{2,}/);
        if (columns[0] === 'workers') {
            header = columns;
        } else if (header && /^\d+$/.test(line.trim().split(/\s+/)[0])) {
            const cells = line.trim().split(/\s+/);
            rows.push({ workers: Number(cells[0]), speedup: Number(cells[header.indexOf('speedup')].replace('x', '')) });
        }
    }
    await calculator.locator('summary').click();
    await role('paste').fill(transcript);
    const plotted = await calculator.locator('[data-role="measured"]').evaluateAll(marks =>
        marks.map(m => ({ workers: Number(m.dataset.workers), speedup: Number(m.dataset.speedup) })));
    if (JSON.stringify(plotted) !== JSON.stringify(rows) || rows.length === 0) {
        problem(at, `pasting the page's ch02_amdahl run plotted ${JSON.stringify(plotted)}, the table has ${JSON.stringify(rows)}`);
    }
    const status = await role('paste-status').textContent();
    if (!status.includes(`${rows.length} measured speedup`)) {
        problem(at, `after pasting, the calculator says "${status}"`);
    }
}

// --- Run buttons ----------------------------------------------------------------------------

async function checkRunButton(browser, pagePath) {
    const at = `${pagePath} Run button`;
    // A context of its own: here the Playground is answered by the test, not the network.
    const context = await browser.newContext({ serviceWorkers: 'block' });
    context.setDefaultTimeout(TIMEOUT);
    const requests = [];
    let mode = 'online';
    await context.route('**/*', route => {
        const request = route.request();
        if (request.url().startsWith(origin + '/')) {
            return route.continue();
        }
        if (request.url() === PLAYGROUND && mode === 'online') {
            requests.push(request.postDataJSON());
            return route.fulfill({
                contentType: 'application/json',
                headers: { 'Access-Control-Allow-Origin': '*' },
                body: JSON.stringify({
                    success: true,
                    exitDetail: '',
                    stdout: 'printed by the program\n',
                    stderr: '   Compiling playground v0.0.1 (/playground)\n    Finished `release` profile\n     Running `target/release/playground`\n',
                }),
            });
        }
        if (request.url() !== PLAYGROUND) {
            problem(at, `a request leaves localhost: ${request.url()}`);
        }
        return route.abort('internetdisconnected');
    });
    try {
        const page = await context.newPage();
        await page.goto(url(pagePath), { waitUntil: 'load' });
        const bar = page.locator('.run-bar').first();
        const output = bar.locator('xpath=following-sibling::pre[1]');
        await bar.locator('button').click();
        await output.filter({ hasText: 'printed by the program' }).waitFor();
        const shown = await output.textContent();
        if (/Compiling|Finished/.test(shown)) {
            problem(at, `the output shows cargo's own lines: ${JSON.stringify(shown)}`);
        }
        const sent = requests[0] || {};
        if (sent.mode !== 'release' || sent.edition !== '2021' || !/fn main/.test(sent.code || '')) {
            problem(at, `sent ${JSON.stringify({ mode: sent.mode, edition: sent.edition })} and a program without fn main`);
        }
        mode = 'offline';
        await bar.locator('button').click();
        await output.filter({ hasText: /could not reach the Rust Playground \(offline\?\)/i }).waitFor();
    } catch (error) {
        problem(at, `pressing Run did not show the Playground's answer, or the offline message: ${error.message.split('\n')[0]}`);
    } finally {
        await context.close();
    }
}

// --- The whole book -------------------------------------------------------------------------

/** Every page of the book, with the number of formulas its source holds; BOOK_PAGES selects. */
function bookPages() {
    const total = expected.pages.reduce((sum, p) => sum + p.formulas, 0);
    return [
        { path: 'index.html', formulas: expected.pages[0]?.formulas ?? 0 },
        ...expected.pages,
        { path: 'print.html', formulas: total },
        { path: '404.html', formulas: 0 },
    ].filter(visit => selected(visit.path));
}

/** A page of the book proper: not the print page, which repeats every chapter. */
const chapterPage = visit => visit.path !== 'print.html';

/**
 * For each page, how many styles the light pass's colour check saw there for the first time
 * (-1 when the light pass stopped before it). The theme pass visits the pages in the same
 * order, so its themes see a style first on the same page as light does: a page where light
 * saw nothing new has nothing new in the other themes either, and they need not load it.
 */
const lightVerdicts = new Map();
function lightVerdict(path) {
    if (!lightVerdicts.has(path)) {
        let settle;
        const verdict = new Promise(resolve => { settle = resolve; });
        lightVerdicts.set(path, { verdict, settle });
    }
    return lightVerdicts.get(path);
}

/**
 * The light pass: every check of every page and axe-core's every rule, then search, the
 * favicon, the calculator and a Run button, with a screenshot of each page.
 */
async function lightPass(browser, visits) {
    try {
        await lightPassChecks(browser, visits);
    } finally {
        // However the light pass ended, the theme pass must not wait for it.
        visits.forEach(visit => lightVerdict(visit.path).settle(-1));
    }
}

async function lightPassChecks(browser, visits) {
    const context = await newContext(browser);
    const page = await watchedPage(context);

    // The sidebar lists the pages of SUMMARY.md, no more, no fewer.
    await open(page, 'index.html');
    const listed = await page.evaluate(() => Array.from(document.querySelectorAll('#mdbook-sidebar a[href]'))
        .map(a => a.getAttribute('href').split('#')[0])
        .filter(h => h.endsWith('.html')));
    const unique = [...new Set(listed)];
    const wanted = expected.pages.map(p => p.path);
    if (JSON.stringify(unique) !== JSON.stringify(wanted)) {
        problem('index.html', `the sidebar lists ${unique.join(', ')}; SUMMARY.md lists ${wanted.join(', ')}`);
    }

    const titles = new Map();
    let printed = null;
    let runButtons = 0;
    let runnablePage = null;
    for (const [index, visit] of visits.entries()) {
        await open(page, visit.path);
        await screenshot(page, index, visit.path, 'light');
        // Exercise solutions are folded away; open them so their content is checked too.
        await openDetails(page);
        const { found, title } = await inspect(page, visit.formulas);
        found.forEach(f => problem(visit.path, f));
        titles.set(visit.path, title);
        if (visit.path === 'print.html') {
            printed = await page.evaluate(() => Array.from(document.querySelectorAll('main h1')).map(h => h.textContent.trim()));
        }
        (await checkCaptions(page)).forEach(f => problem(visit.path, f));
        const run = await checkRunButtons(page);
        run.found.forEach(f => problem(visit.path, f));
        if (visit.path !== 'print.html' && visit.path !== 'index.html') {
            runButtons += run.count;
            runnablePage = runnablePage || (run.count > 0 ? visit.path : null);
        }
        if (chapterPage(visit)) {
            await axeCheck(page, `${visit.path} (light)`, 'structure');
            lightVerdict(visit.path).settle(await axeCheck(page, `${visit.path} (light)`, 'colour', 'light'));
        }
        if (visit.path === CALCULATOR_PAGE) {
            (await checkChartText(page)).forEach(f => problem(`${visit.path} (light)`, f));
        }
        progress(`${visit.path}: checked (${visit.formulas} formulas, ${run.count} Run buttons)`);
    }

    // The print page holds every chapter, in order (when it and every chapter were visited).
    if (printed && !SELECTION) {
        let from = 0;
        for (const { path: chapter } of expected.pages) {
            const title = titles.get(chapter);
            const at = printed.indexOf(title, from);
            if (!title || at < 0) {
                problem('print.html', `does not render ${chapter} ("${title}") in its place`);
            } else {
                from = at + 1;
            }
        }
        progress('print.html holds every chapter');
    }

    // Search: "Amdahl" finds chapter 2, and its first result leads to one of its pages.
    await open(page, 'index.html');
    await page.locator('#mdbook-search-toggle').click();
    await page.locator('#mdbook-searchbar').pressSequentially(SEARCH_TERM);
    const first = page.locator('#mdbook-searchresults li a').first();
    try {
        await first.waitFor();
        await Promise.all([page.waitForURL(u => SEARCH_LANDS.test(u.pathname)), first.click()]);
    } catch (error) {
        const results = await page.locator('#mdbook-searchresults li a').evaluateAll(as => as.map(a => a.getAttribute('href')));
        problem('search', `searching "${SEARCH_TERM}" did not lead to a ch02-* page (results: ${results.slice(0, 5).join(', ') || 'none'}; now at ${page.url()})`);
    }

    // The favicon is the book's own and loads.
    await open(page, 'index.html');
    const icons = await page.evaluate(async () => Promise.all(
        Array.from(document.querySelectorAll('link[rel~="icon"]')).map(async link => {
            const response = await fetch(link.href);
            return { href: link.getAttribute('href'), status: response.status, type: response.headers.get('content-type'), text: await response.text() };
        })));
    const svgIcon = icons.find(i => /svg/.test(i.type || ''));
    if (!svgIcon || svgIcon.status !== 200 || svgIcon.text !== expected.favicon_svg) {
        problem('favicon', `the SVG favicon is not theme/favicon.svg (${JSON.stringify(icons.map(i => [i.href, i.status, i.type]))})`);
    }
    if (!icons.some(i => i.status === 200 && /image\/png/.test(i.type || ''))) {
        problem('favicon', 'no PNG favicon loads');
    }
    progress('search and favicon checked');

    if (!CALCULATOR_PAGE) {
        problem('calculator', 'no page of SUMMARY.md holds <div id="amdahl-calculator">');
    } else if (selected(CALCULATOR_PAGE)) {
        await checkCalculator(page);
        await checkContrast(page, 'light');
        progress('calculator checked');
    }
    // Chapter 14's interleaving explorer: its checks live beside it, in ch14-explorer.mjs.
    const explorerPage = expected.pages.find(p => p.path === 'ch14-explorer.html')?.path;
    if (explorerPage && selected(explorerPage)) {
        const { checkExplorer } = await import('./ch14-explorer.mjs');
        await checkExplorer({ page, open, problem, progress, where, pagePath: explorerPage });
        progress('interleaving explorer checked');
    }
    if (runnablePage) {
        await checkRunButton(browser, runnablePage);
        progress(`Run button checked on ${runnablePage}, online (a stand-in Playground) and offline`);
    } else if (!SELECTION) {
        // The whole book has Playground-runnable listings; one chapter may have none (chapter
        // 5's all need ureq and axum), so a selection is not held to this.
        problem('Run buttons', 'no listing of the book got a Run button');
    }

    await context.close();
}

/**
 * The other themes at the desktop width, for axe-core's colour rules: the first (navy)
 * chosen with the theme menu as a reader does (mdBook remembers it), then on every page with
 * a style that no earlier page had (the light pass says which) each theme in turn, switched
 * in place as the menu does. Navy also gets the calculator's contrast check, and a
 * screenshot of every page when screenshots are taken.
 */
async function themePass(browser, visits, themes) {
    const context = await newContext(browser);
    const page = await watchedPage(context);
    passOf.set(page, ` (${themes.join(', ')})`);

    await open(page, 'index.html');
    await page.locator('#mdbook-theme-toggle').click();
    await page.locator(`#mdbook-theme-${themes[0]}`).click();
    await page.waitForFunction(theme => document.documentElement.classList.contains(theme), themes[0]);
    const chosen = await page.evaluate(() => [document.documentElement.className, localStorage.getItem('mdbook-theme')]);
    if (!chosen[0].split(' ').includes(themes[0]) || chosen[1] !== themes[0]) {
        problem('theme menu', `choosing ${themes[0]} left class="${chosen[0]}", mdbook-theme=${chosen[1]}`);
    }
    for (const [index, visit] of visits.entries()) {
        const needed = (shotDir !== '-' && themes[0] === 'navy') || visit.path === CALCULATOR_PAGE
            || (chapterPage(visit) && await lightVerdict(visit.path).verdict !== 0);
        if (!needed) {
            continue;
        }
        await open(page, visit.path);
        if (themes[0] === 'navy') {
            await screenshot(page, index, visit.path, 'navy');
            if (visit.path === CALCULATOR_PAGE) {
                await checkContrast(page, 'navy');
            }
        }
        if (!chapterPage(visit)) {
            continue;
        }
        await openDetails(page);
        // Every theme here has seen the same pages, so the same styles: a page with no style
        // new to the first theme has none new to the others, and their switches (each
        // restyles the whole page) and runs would check nothing. (The light pass's verdict
        // says so before the page is even loaded, once the light pass has been there.)
        for (const theme of themes) {
            await setTheme(page, theme);
            if (await axeCheck(page, `${visit.path} (${theme})`, 'colour', theme) === 0) {
                break;
            }
        }
        await setTheme(page, themes[0]);
    }
    progress(`${themes.join(', ')} pass done`);
    await context.close();
}

/**
 * The phone pass, 390 CSS pixels wide: every page fits the screen, long lines scroll inside
 * their blocks, axe-core's rules that depend on the width (LAYOUT_RULES; all that do not look
 * at colour on the index and the calculator's page),
 * the calculator's chart stays legible, and a screenshot of every page. Colours are the
 * desktop's, checked there in every theme; the index, where mdBook's menu bar folds, is
 * checked for colour in every theme here too.
 */
async function phonePass(browser, visits) {
    const context = await newContext(browser, PHONE);
    const page = await watchedPage(context);
    passOf.set(page, ' (390 px)');
    for (const [index, visit] of visits.entries()) {
        await open(page, visit.path);
        await screenshot(page, index, visit.path, 'phone');
        await openDetails(page);
        (await checkFits(page)).forEach(f => problem(`${visit.path} (390 px)`, f));
        if (!chapterPage(visit)) {
            continue;
        }
        const everyTheme = visit.path === 'index.html';
        const widthDependent = everyTheme || visit.path === CALCULATOR_PAGE;
        await axeCheck(page, `${visit.path} (light, 390 px)`, widthDependent ? 'structure' : 'layout');
        if (everyTheme) {
            await axeCheck(page, `${visit.path} (light, 390 px)`, 'colour', 'light 390');
        }
        if (visit.path === CALCULATOR_PAGE) {
            (await checkChartText(page)).forEach(f => problem(`${visit.path} (light, 390 px)`, f));
        }
        if (everyTheme) {
            for (const theme of THEMES.filter(t => t !== 'light')) {
                await setTheme(page, theme);
                await axeCheck(page, `${visit.path} (${theme}, 390 px)`, 'colour', `${theme} 390`);
            }
            await setTheme(page, 'light');
        }
    }
    progress('390 px pass done');
    await context.close();
}

async function main() {
    if (shotDir !== '-') {
        await mkdir(shotDir, { recursive: true });
    }
    const visits = bookPages();
    if (visits.length === 0) {
        problem('BOOK_PAGES', `"${SELECTION}" is in no page's path; the pages are ${['index.html', ...expected.pages.map(p => p.path), 'print.html', '404.html'].join(', ')}`);
        return;
    }
    if (SELECTION) {
        progress(`BOOK_PAGES=${SELECTION}: checking ${visits.map(v => v.path).join(', ')}`);
    }
    const browser = await launch();
    try {
        // Three contexts side by side: on two cores the browser's work overlaps node's waits.
        // (A fourth, the themes split in two, took more CPU time for the extra page loads.)
        await Promise.all([
            lightPass(browser, visits),
            themePass(browser, visits, ['navy', 'rust', 'coal', 'ayu']),
            phonePass(browser, visits),
        ]);
        if (shotDir !== '-') {
            progress(`screenshots of ${visits.length} pages in the light and navy themes and at 390 px in ${shotDir}: ${(shotTime.ms / 1000).toFixed(1)} s (summed over the passes)`);
        }
        progress(`axe-core ${AXE_VERSION}: ${axeTime.runs} runs, ${(axeTime.ms / 1000).toFixed(1)} s of them in axe (summed over the passes)`);
    } finally {
        await browser.close();
    }
}

try {
    await main();
} catch (error) {
    problems.push(`the browser check stopped: ${error.stack || error}`);
}
if (notes.length) {
    // One line per finding, with the pages and passes it was seen on.
    const places = new Map();
    for (const { finding, at } of notes) {
        places.set(finding, [...(places.get(finding) || []), at]);
    }
    console.log(`\n${places.size} moderate or minor accessibility finding${places.size === 1 ? '' : 's'} (not failures; CONTRIBUTING.md says why they stay):`);
    for (const [finding, where] of places) {
        const shown = where.length > 2 ? `${where.slice(0, 2).join(', ')} and ${where.length - 2} more` : where.join(', ');
        console.log(`  ${finding} (${shown})`);
    }
}
if (problems.length) {
    // The same fault seen again (a figure and its zoomed copy, a font on every reload) is
    // one line, with a count.
    const seen = new Map();
    for (const line of problems) {
        seen.set(line, (seen.get(line) || 0) + 1);
    }
    console.log(`\n${seen.size} problem${seen.size === 1 ? '' : 's'} seen in the browser:`);
    for (const [line, count] of seen) {
        console.log(`  ${line}${count > 1 ? ` (${count} times)` : ''}`);
    }
    process.exit(1);
}
progress('every page passed');
