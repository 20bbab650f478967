// Three additions to the book's listings and pages.
//
// 1. A listing's caption names its file, `(<code>examples/NAME.rs</code>)`; this adds the
//    command that runs it, so that the reader never has to work it out.
// 2. A "Run" button under each listing the Rust Playground can build: one that uses only std
//    and crates the Playground has, and does not pull other files in. mdBook's own play
//    button is off (book.toml) because it asks play.rust-lang.org for its crate list on
//    every page load; here nothing leaves the reader's machine until the button is pressed,
//    and the book stays whole offline.
// 3. Keyboard and screen-reader access where mdBook 0.5.4's page falls short (issue 19,
//    checked with axe-core by xtask/tests/browser.rs): a code block or a table that scrolls
//    sideways can be focused, so that the arrow keys scroll it; the sidebar toggle, a
//    <label> carrying a button's ARIA attributes, becomes a button the keyboard can press;
//    the menu bar becomes the page's banner landmark. Attributes set by script, because the
//    alternative is a copy of mdBook's whole index.hbs for three attributes.
(function listings() {
    'use strict';

    const PLAYGROUND = 'https://play.rust-lang.org/execute';
    // The book's crates that the Playground also has (it carries the most downloaded crates;
    // cpu-time is not among them).
    const PLAYGROUND_CRATES = new Set(['rayon', 'crossbeam', 'num_cpus', 'num_bigint']);
    // The book's crates the Playground does not have, named in paths without a `use`.
    const MISSING_CRATES = ['cpu_time'];
    const ALWAYS_THERE = new Set(['std', 'core', 'alloc', 'crate', 'self', 'super']);
    // The Playground stops a program after about ten seconds; give the request a little more.
    const TIMEOUT_MS = 30000;

    // --- Captions -------------------------------------------------------------------------

    function commandFor(file) {
        let m = file.match(/^examples\/compile_fail\/([A-Za-z0-9_]+)\.rs$/);
        if (m) {
            return { verb: 'Compile it with', command: `rustc --edition 2021 ${file}`, after: ' to see the error.' };
        }
        m = file.match(/^python\/([A-Za-z0-9_]+)\.py$/);
        if (m) {
            return { verb: 'Run it with', command: `python3 ${file}`, after: ' from the book\'s folder.' };
        }
        m = file.match(/^examples\/([A-Za-z0-9_]+)\.rs$/);
        if (m) {
            return { verb: 'Run it with', command: `cargo run --release --example ${m[1]}`, after: '.' };
        }
        // A program that is a package of its own (chapter 12's detector), run with `-p`.
        m = file.match(/^(ch[0-9]{2}-[a-z0-9-]+)\/src\/main\.rs$/);
        if (m) {
            return { verb: 'Run it with', command: `cargo run --release -p ${m[1]}`, after: '.' };
        }
        // A file in a subfolder of examples/ (such as ch02_common/) is shared code, not a program.
        return null;
    }

    document.querySelectorAll('p.caption').forEach(caption => {
        if (!/^\s*Listing\b/.test(caption.textContent) || caption.querySelector('.caption-command')) {
            return;
        }
        const files = Array.from(caption.querySelectorAll('code'))
            .map(code => code.textContent.trim())
            .filter(text => text.startsWith('examples/') || text.startsWith('python/')
                || /^ch[0-9]{2}-[a-z0-9-]+\/src\//.test(text));
        const how = files.length ? commandFor(files[files.length - 1]) : null;
        if (!how) {
            return;
        }
        const note = document.createElement('span');
        note.className = 'caption-command';
        const code = document.createElement('code');
        code.textContent = how.command;
        note.append(` ${how.verb} `, code, how.after);
        caption.append(note);
    });

    // --- Run buttons ----------------------------------------------------------------------

    /** Why the Playground cannot build `code`, or null when it can. */
    function notRunnable(source) {
        // Comments can say "use" in prose; only the code decides.
        const code = source.replace(/(^|\s)\/\/.*$/gm, '$1');
        if (/\b(?:include|include_str|include_bytes|env)!\s*\(/.test(code)) {
            return 'it pulls in files next to the program';
        }
        if (/^\s*(?:pub\s+)?mod\s+[A-Za-z_]\w*\s*;/m.test(code)) {
            return 'it has modules in other files';
        }
        const local = new Set(Array.from(
            code.matchAll(/\b(?:mod|enum|struct|trait|type|union)\s+([A-Za-z_]\w*)/g), m => m[1]));
        const roots = [
            ...Array.from(code.matchAll(/\buse\s+(?:::)?([A-Za-z_]\w*)/g), m => m[1]),
            ...Array.from(code.matchAll(/\bextern\s+crate\s+([A-Za-z_]\w*)/g), m => m[1]),
        ];
        const unknown = roots.find(r => !ALWAYS_THERE.has(r) && !PLAYGROUND_CRATES.has(r) && !local.has(r));
        if (unknown) {
            return `the Playground has no crate ${unknown}`;
        }
        const missing = MISSING_CRATES.find(name => new RegExp(`(?<![\\w:])${name}::`).test(code));
        return missing ? `the Playground has no crate ${missing}` : null;
    }

    /** The cargo lines the Playground adds to standard error, which say nothing about the program. */
    function withoutCargoLines(stderr) {
        return stderr
            .split('\n')
            .filter(line => !/^\s*(?:Compiling|Finished|Running|Blocking|Updating|Downloading|Downloaded|Locking|Adding)\b/.test(line))
            .join('\n')
            .trim();
    }

    async function run(code, show) {
        // Rustdoc's rule, which the book's tests follow too: a block without `fn main` is a body.
        const program = /\bfn\s+main\s*\(/.test(code) ? code : `fn main() {\n${code}\n}`;
        show('Running on the Rust Playground\u2026', 'running');
        const controller = new AbortController();
        const timer = setTimeout(() => controller.abort(), TIMEOUT_MS);
        let response;
        try {
            response = await fetch(PLAYGROUND, {
                method: 'POST',
                mode: 'cors',
                headers: { 'Content-Type': 'application/json' },
                body: JSON.stringify({
                    channel: 'stable', mode: 'release', edition: '2021', crateType: 'bin',
                    tests: false, backtrace: false, code: program,
                }),
                signal: controller.signal,
            });
        } catch (error) {
            const why = controller.signal.aborted ? `no answer in ${TIMEOUT_MS / 1000} s` : error.message;
            show(`Could not reach the Rust Playground (offline?): ${why}. `
                + 'Every listing also runs on your machine with the command in its caption.', 'error');
            return;
        } finally {
            clearTimeout(timer);
        }
        let result;
        try {
            result = await response.json();
        } catch (error) {
            show(`The Rust Playground answered ${response.status} with something that is not JSON.`, 'error');
            return;
        }
        if (!response.ok || typeof result.stdout !== 'string') {
            show(`The Rust Playground could not run it: ${result.error || response.status}`, 'error');
            return;
        }
        const stderr = withoutCargoLines(result.stderr || '');
        let text = result.stdout;
        if (stderr) {
            text += (text && !text.endsWith('\n') ? '\n' : '') + stderr;
        }
        if (!result.success && result.exitDetail) {
            text += (text && !text.endsWith('\n') ? '\n' : '') + `(${result.exitDetail})`;
        }
        show(text.trim() === '' ? '(the program printed nothing)' : text, result.success ? 'done' : 'error');
    }

    document.querySelectorAll('pre > code.language-rust').forEach(block => {
        const pre = block.parentElement;
        // Listings meant not to compile, or never to finish, have nothing to show when run.
        if (block.classList.contains('compile_fail') || block.classList.contains('no_run')
            || block.classList.contains('should_panic') || block.classList.contains('ignore')) {
            return;
        }
        // textContent, not innerText: it keeps the lines mdBook hides, which the program needs.
        const code = block.textContent;
        if (notRunnable(code)) {
            return;
        }
        const bar = document.createElement('div');
        bar.className = 'run-bar';
        const button = document.createElement('button');
        button.type = 'button';
        button.className = 'run-button';
        button.textContent = '\u25b6 Run';
        button.title = 'Send this program to play.rust-lang.org, run it there, and show what it printed';
        const where = document.createElement('span');
        where.className = 'run-where';
        where.textContent = 'on the Rust Playground (needs a connection)';
        const output = document.createElement('pre');
        output.className = 'run-output';
        output.hidden = true;
        output.setAttribute('role', 'status');
        output.setAttribute('aria-live', 'polite');
        bar.append(button, ' ', where);
        // Under the caption when the listing has one, so the caption stays with its code.
        const caption = pre.nextElementSibling;
        const anchor = caption && caption.matches('p.caption') ? caption : pre;
        anchor.after(bar, output);

        const show = (text, state) => {
            output.hidden = false;
            output.textContent = text;
            output.dataset.state = state;
        };
        button.addEventListener('click', async () => {
            button.disabled = true;
            try {
                await run(code, show);
            } finally {
                button.disabled = false;
            }
        });
    });

    // --- Keyboard and screen-reader access ------------------------------------------------

    // Only what overflows gets a tab stop; ResizeObserver sees a block change width (a
    // resized window, a <details> opened), so the tab stops follow the layout.
    const scrollers = document.querySelectorAll('pre > code, .table-wrapper');
    const focusableWhenScrolling = element => {
        if (element.scrollWidth > element.clientWidth + 1) {
            element.setAttribute('tabindex', '0');
        } else {
            element.removeAttribute('tabindex');
        }
    };
    scrollers.forEach(focusableWhenScrolling);
    if (window.ResizeObserver) {
        const observer = new ResizeObserver(entries => entries.forEach(e => focusableWhenScrolling(e.target)));
        scrollers.forEach(element => observer.observe(element));
    }

    const toggle = document.getElementById('mdbook-sidebar-toggle');
    if (toggle && toggle.tagName === 'LABEL') {
        toggle.setAttribute('role', 'button');
        toggle.setAttribute('tabindex', '0');
        toggle.addEventListener('keydown', event => {
            if (event.key === 'Enter' || event.key === ' ') {
                event.preventDefault();
                toggle.click();
            }
        });
    }
    document.getElementById('mdbook-menu-bar')?.setAttribute('role', 'banner');
})();
