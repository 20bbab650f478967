// The interleaving explorer of chapter 14: a page holds it with
// `<div id="interleaving-explorer"></div>`.
//
// Two threads, A and B, each run a short list of steps on one shared value. The reader runs
// them one step at a time in an order of their choosing, or lets the explorer enumerate every
// interleaving and count the final values, and how many of them no serial order gives. The
// machine is the one of examples/ch14_interleavings.rs, step for step, and so are the
// presets: the page shows that program's output, and the book's browser test compares the
// two. Plain JavaScript, nothing loaded from the network; every colour is one of mdBook's
// theme variables (theme/ch14-explorer.css).
(function interleavingExplorer() {
    'use strict';

    // The chapter's examples, as examples/ch14_interleavings.rs prints them.
    const PRESETS = [
        { name: 'split counter', start: 0, a: 'load, add 1, store', b: 'load, add 1, store' },
        {
            name: 'locked counter', start: 0,
            a: 'lock, load, add 1, store, unlock', b: 'lock, load, add 1, store, unlock',
        },
        { name: 'fetch_add counter', start: 0, a: 'fetch_add 1', b: 'fetch_add 1' },
        {
            name: 'check, then act', start: 100,
            a: 'lock, load, check >= 100, unlock, lock, load, sub 100, store, unlock',
            b: 'lock, load, check >= 100, unlock, lock, load, sub 100, store, unlock',
        },
        {
            name: 'check and act under one lock', start: 100,
            a: 'lock, load, check >= 100, sub 100, store, unlock',
            b: 'lock, load, check >= 100, sub 100, store, unlock',
        },
    ];
    // Enumeration visits every interleaving: with 10 steps each there are at most 184756.
    const MAX_STEPS = 10;
    // How many interleavings the list under the counts shows.
    const MAX_LISTED = 100;
    const NAMES = ['A', 'B'];

    function el(tag, attributes, ...children) {
        const node = document.createElement(tag);
        for (const [name, value] of Object.entries(attributes || {})) {
            node.setAttribute(name, value);
        }
        for (const child of children) {
            node.append(child);
        }
        return node;
    }

    /** One step from its text ("add 1", "check >= 100"), or a message saying what is wrong. */
    function parseStep(text) {
        const t = text.trim().replace(/\s+/g, ' ');
        if (['load', 'store', 'lock', 'unlock'].includes(t)) {
            return { op: t };
        }
        const m = t.match(/^(add|sub|fetch_add|check >=) (-?\d{1,9})$/);
        if (m) {
            return { op: m[1] === 'check >=' ? 'check' : m[1], n: Number(m[2]) };
        }
        return { error: `"${t}" is not a step` };
    }

    function stepText(step) {
        return step.op === 'check' ? `check >= ${step.n}` : ('n' in step ? `${step.op} ${step.n}` : step.op);
    }

    /** A thread's steps from a comma-separated list, or an error message. */
    function parseSteps(text, name) {
        const parts = text.split(',').map(s => s.trim()).filter(s => s !== '');
        if (parts.length === 0) {
            return { error: `Thread ${name} has no steps.` };
        }
        if (parts.length > MAX_STEPS) {
            return { error: `Thread ${name} has ${parts.length} steps; at most ${MAX_STEPS}.` };
        }
        const steps = [];
        for (const part of parts) {
            const step = parseStep(part);
            if (step.error) {
                return { error: `Thread ${name}: ${step.error}. The steps are load, add N, sub N, store, lock, unlock, fetch_add N and check >= N.` };
            }
            steps.push(step);
        }
        return { steps };
    }

    // The machine: the same rules as State in examples/ch14_interleavings.rs.
    function newState(start, threads) {
        const s = { shared: start, holder: null, pc: [0, 0], reg: [0, 0], done: [false, false] };
        for (const t of [0, 1]) {
            finishIfAtEnd(s, t, threads);
        }
        return s;
    }
    function copy(s) {
        return { shared: s.shared, holder: s.holder, pc: s.pc.slice(), reg: s.reg.slice(), done: s.done.slice() };
    }
    /** A thread can take its next step unless it has ended or waits for the lock. */
    function canRun(s, t, threads) {
        return !s.done[t] && !(threads[t][s.pc[t]].op === 'lock' && s.holder !== null);
    }
    function run(s, t, threads) {
        const step = threads[t][s.pc[t]];
        switch (step.op) {
            case 'load': s.reg[t] = s.shared; break;
            case 'add': s.reg[t] += step.n; break;
            case 'sub': s.reg[t] -= step.n; break;
            case 'store': s.shared = s.reg[t]; break;
            case 'lock': s.holder = t; break;
            // Like dropping a guard: only the holder can release the lock.
            case 'unlock': if (s.holder === t) { s.holder = null; } break;
            case 'fetch_add': s.shared += step.n; break;
            case 'check':
                if (s.reg[t] < step.n) {
                    end(s, t);
                    return;
                }
                break;
        }
        s.pc[t] += 1;
        finishIfAtEnd(s, t, threads);
    }
    function finishIfAtEnd(s, t, threads) {
        if (s.pc[t] === threads[t].length) {
            end(s, t);
        }
    }
    /** A thread that ends releases the lock it holds, as a dropped guard does. */
    function end(s, t) {
        s.done[t] = true;
        if (s.holder === t) {
            s.holder = null;
        }
    }

    /** Every schedule, depth first, A's step tried before B's: [{path, ending}]. */
    function enumerate(start, threads) {
        const found = [];
        const path = [];
        (function walk(s) {
            if (s.done[0] && s.done[1]) {
                found.push({ path: path.slice(), ending: s.shared });
                return;
            }
            const runnable = [0, 1].filter(t => canRun(s, t, threads));
            if (runnable.length === 0) {
                found.push({ path: path.slice(), ending: null });
            }
            for (const t of runnable) {
                const next = copy(s);
                run(next, t, threads);
                path.push(t);
                walk(next);
                path.pop();
            }
        })(newState(start, threads));
        return found;
    }

    /** The final value when the threads run one after the other, in `order`. */
    function serial(start, threads, order) {
        const s = newState(start, threads);
        for (const t of order) {
            while (canRun(s, t, threads)) {
                run(s, t, threads);
            }
        }
        return s.done[0] && s.done[1] ? s.shared : null;
    }

    const describe = ending => (ending === null ? 'stuck' : String(ending));

    /** "A load, A add 1, B load, ..." for a schedule. */
    function scheduleText(path, threads) {
        const pc = [0, 0];
        return path.map(t => `${NAMES[t]} ${stepText(threads[t][pc[t]++])}`).join(', ');
    }

    function build(host, index) {
        const id = name => `interleaving-${index}-${name}`;
        let threads = null;
        let start = 0;
        let state = null;
        let path = [];

        const presetSelect = el('select', { id: id('preset'), 'data-role': 'preset' },
            ...PRESETS.map((p, i) => el('option', { value: String(i) }, p.name)),
            el('option', { value: 'custom' }, 'your own steps'));
        const startInput = el('input', {
            type: 'number', id: id('start'), step: '1', inputmode: 'numeric', 'data-role': 'start',
        });
        const stepsInput = t => el('input', {
            type: 'text', id: id(`steps-${t}`), spellcheck: 'false', autocomplete: 'off',
            'data-role': `steps-${t}`, 'aria-describedby': id('syntax'),
        });
        const stepsA = stepsInput('a');
        const stepsB = stepsInput('b');
        const syntax = el('p', { id: id('syntax'), class: 'explorer-syntax' },
            'Steps, separated by commas: load, add N, sub N, store, lock, unlock, fetch_add N, '
            + 'check >= N (which ends the thread when its register holds less than N). A thread '
            + 'that ends releases the lock it holds; unlock by a thread that does not hold it does nothing.');
        // A polite message, written only when the reader pauses or leaves the field, so that a
        // screen reader is not interrupted on every keystroke; aria-invalid follows each one.
        const problem = el('p', {
            class: 'explorer-problem', 'aria-live': 'polite', 'data-role': 'problem',
        });

        // Stepping: a column per thread, with its steps and its register.
        const stepButtons = [0, 1].map(t => el('button', {
            type: 'button', 'data-role': `step-${NAMES[t].toLowerCase()}`,
        }, `Run ${NAMES[t]}\u2019s next step`));
        const resetButton = el('button', { type: 'button', 'data-role': 'reset' }, 'Start again');
        const lists = [0, 1].map(t => el('ol', { class: 'explorer-steps', 'data-role': `list-${NAMES[t].toLowerCase()}` }));
        const registers = [0, 1].map(t => el('p', { class: 'explorer-register', 'data-role': `register-${NAMES[t].toLowerCase()}` }));
        const columns = el('div', { class: 'explorer-threads' },
            ...[0, 1].map(t => el('section', {
                class: 'explorer-thread', 'aria-labelledby': id(`thread-${t}`),
            }, el('h3', { id: id(`thread-${t}`) }, `Thread ${NAMES[t]}`), lists[t], registers[t], stepButtons[t])));
        const sharedOut = el('output', { 'data-role': 'shared', 'aria-live': 'off' });
        const lockOut = el('output', { 'data-role': 'lock', 'aria-live': 'off' });
        const scheduleOut = el('output', { 'data-role': 'schedule', 'aria-live': 'off' });
        const outcome = el('p', { class: 'explorer-outcome', 'data-role': 'outcome' });
        const status = el('div', {
            class: 'explorer-status', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true',
            'data-role': 'status',
        },
        el('dl', {},
            el('div', {}, el('dt', {}, 'Shared value'), el('dd', {}, sharedOut)),
            el('div', {}, el('dt', {}, 'Lock'), el('dd', {}, lockOut)),
            el('div', {}, el('dt', {}, 'Schedule so far'), el('dd', {}, scheduleOut))),
        outcome);

        // Enumeration.
        const enumerateButton = el('button', { type: 'button', 'data-role': 'enumerate' }, 'Enumerate every interleaving');
        const countOut = el('output', { 'data-role': 'count', 'aria-live': 'off' });
        const finalsOut = el('output', { 'data-role': 'finals', 'aria-live': 'off' });
        const serialOut = el('output', { 'data-role': 'serial', 'aria-live': 'off' });
        const wrongOut = el('output', { 'data-role': 'wrong', 'aria-live': 'off' });
        const firstWrong = el('p', { class: 'explorer-first', 'data-role': 'first-wrong' });
        const listing = el('ol', { class: 'explorer-all', 'data-role': 'all' });
        const listingNote = el('p', { class: 'explorer-note', 'data-role': 'all-note' });
        const listingBox = el('details', { class: 'explorer-list' },
            el('summary', {}, 'Every interleaving and its final value'), listingNote,
            el('div', { class: 'explorer-scroll', tabindex: '0', role: 'region', 'aria-label': 'Every interleaving and its final value' }, listing));
        // The live region is always in the page, so that filling it is announced; its
        // one-line summary is what a screen reader reads, and the details stay hidden until
        // the first enumeration.
        const summaryOut = el('p', { class: 'explorer-summary', 'data-role': 'summary' });
        const details = el('div', { class: 'explorer-details', hidden: '' },
            el('dl', {},
            el('div', {}, el('dt', {}, 'Interleavings'), el('dd', {}, countOut)),
            el('div', {}, el('dt', {}, 'Final values (how many)'), el('dd', {}, finalsOut)),
            el('div', {}, el('dt', {}, 'One thread after the other gives'), el('dd', {}, serialOut)),
            el('div', {}, el('dt', {}, 'Interleavings with another result'), el('dd', {}, wrongOut))),
            firstWrong);
        const results = el('div', {
            class: 'explorer-results', role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true',
            'data-role': 'results',
        }, summaryOut, details);

        host.classList.add('interleaving-explorer');
        host.setAttribute('role', 'group');
        host.setAttribute('aria-label', 'Interleaving explorer');
        host.replaceChildren(
            el('p', { class: 'explorer-heading' }, 'Interleaving explorer'),
            el('div', { class: 'explorer-inputs' },
                el('div', { class: 'explorer-field' }, el('label', { for: id('preset') }, 'Preset'), presetSelect),
                el('div', { class: 'explorer-field' }, el('label', { for: id('start') }, 'Shared value at the start'), startInput),
                el('div', { class: 'explorer-field explorer-wide' }, el('label', { for: id('steps-a') }, 'Thread A\u2019s steps'), stepsA),
                el('div', { class: 'explorer-field explorer-wide' }, el('label', { for: id('steps-b') }, 'Thread B\u2019s steps'), stepsB)),
            syntax, problem, columns,
            el('div', { class: 'explorer-buttons' }, resetButton),
            status,
            el('div', { class: 'explorer-buttons' }, enumerateButton),
            results, listingBox);

        function renderThreads() {
            for (const t of [0, 1]) {
                const items = (threads ? threads[t] : []).map((step, i) => {
                    const item = el('li', {}, el('code', {}, stepText(step)));
                    if (state && !state.done[t] && i === state.pc[t]) {
                        item.setAttribute('aria-current', 'step');
                        item.classList.add('current');
                    } else if (state && i < state.pc[t]) {
                        item.classList.add('ran');
                    }
                    return item;
                });
                lists[t].replaceChildren(...items);
                const button = stepButtons[t];
                if (!state) {
                    registers[t].textContent = '';
                    button.setAttribute('aria-disabled', 'true');
                    continue;
                }
                const blocked = !state.done[t] && !canRun(state, t, threads);
                registers[t].textContent = `register ${state.reg[t]}`
                    + (state.done[t] ? '; finished' : blocked ? '; waits for the lock' : '');
                // aria-disabled, not disabled: a disabled button loses the keyboard focus, and
                // a keyboard user pressing Enter until a thread finishes would be left on the
                // page's body. The click handler ignores a thread that cannot run.
                button.setAttribute('aria-disabled', String(!canRun(state, t, threads)));
            }
            sharedOut.textContent = state ? String(state.shared) : '';
            sharedOut.dataset.value = state ? String(state.shared) : '';
            lockOut.textContent = !state ? '' : state.holder === null ? 'free' : `held by ${NAMES[state.holder]}`;
            scheduleOut.textContent = path.length ? path.map(t => NAMES[t]).join(' ') : 'no step yet';
            if (state && state.done[0] && state.done[1]) {
                const serials = [serial(start, threads, [0, 1]), serial(start, threads, [1, 0])];
                const ok = serials.includes(state.shared);
                outcome.textContent = `Both threads finished: the shared value is ${state.shared}. `
                    + (ok ? 'One thread after the other gives the same.'
                        : `No serial order gives it (one after the other gives ${serialText(serials)}).`);
                outcome.dataset.serialisable = String(ok);
            } else if (state && !canRun(state, 0, threads) && !canRun(state, 1, threads)) {
                outcome.textContent = 'Stuck: neither thread can run.';
                outcome.dataset.serialisable = 'false';
            } else {
                outcome.textContent = '';
                delete outcome.dataset.serialisable;
            }
        }

        function serialText(serials) {
            return serials[0] === serials[1] ? describe(serials[0]) : `${describe(serials[0])} or ${describe(serials[1])}`;
        }

        let shownProblem = '';
        let problemTimer = 0;

        /**
         * Reads the inputs; keeps the last good machine when they are wrong, and says why: at
         * once when `announceNow`, else when the reader has paused typing.
         */
        function load(announceNow = false) {
            const a = parseSteps(stepsA.value, 'A');
            const b = parseSteps(stepsB.value, 'B');
            const value = startInput.valueAsNumber;
            const problems = [];
            const startOk = Number.isInteger(value) && Math.abs(value) <= 1e9;
            for (const [input, bad] of [[stepsA, !!a.error], [stepsB, !!b.error], [startInput, !startOk]]) {
                if (bad) {
                    input.setAttribute('aria-invalid', 'true');
                } else {
                    input.removeAttribute('aria-invalid');
                }
            }
            for (const wrong of [a.error, b.error, startOk ? null : 'The start value is a whole number.']) {
                if (wrong) {
                    problems.push(wrong);
                }
            }
            shownProblem = problems.join(' ');
            clearTimeout(problemTimer);
            if (!problems.length || announceNow) {
                problem.textContent = shownProblem;
            } else {
                problemTimer = setTimeout(() => { problem.textContent = shownProblem; }, 800);
            }
            if (problems.length) {
                return;
            }
            threads = [a.steps, b.steps];
            start = value;
            state = newState(start, threads);
            path = [];
            details.hidden = true;
            summaryOut.textContent = '';
            listing.replaceChildren();
            listingNote.textContent = 'Press \u201cEnumerate every interleaving\u201d to fill this list.';
            renderThreads();
        }

        function choosePreset() {
            const chosen = PRESETS[Number(presetSelect.value)];
            if (chosen) {
                startInput.value = String(chosen.start);
                stepsA.value = chosen.a;
                stepsB.value = chosen.b;
            }
            load(true);
        }

        function stepThread(t) {
            if (state && canRun(state, t, threads)) {
                run(state, t, threads);
                path.push(t);
                renderThreads();
            }
        }

        function showEnumeration() {
            if (!threads) {
                return;
            }
            const found = enumerate(start, threads);
            const serials = [serial(start, threads, [0, 1]), serial(start, threads, [1, 0])];
            const counts = new Map();
            for (const { ending } of found) {
                counts.set(ending, (counts.get(ending) || 0) + 1);
            }
            // In the program's order: stuck first, then the values from the smallest.
            const endings = Array.from(counts.keys()).sort((x, y) => (x === null ? -Infinity : x) - (y === null ? -Infinity : y));
            const wrong = found.map((f, i) => ({ ...f, number: i + 1 })).filter(f => !serials.includes(f.ending));
            countOut.textContent = String(found.length);
            countOut.dataset.value = String(found.length);
            finalsOut.textContent = endings.map(e => `${describe(e)} (${counts.get(e)})`).join(', ');
            serialOut.textContent = serialText(serials);
            wrongOut.textContent = `${wrong.length} of ${found.length}`;
            wrongOut.dataset.value = String(wrong.length);
            firstWrong.textContent = wrong.length
                ? `The first, number ${wrong[0].number} in depth-first order: ${scheduleText(wrong[0].path, threads)}.`
                : 'Every interleaving gives a result that one thread after the other gives.';
            const shown = found.slice(0, MAX_LISTED).map((f, i) => {
                const item = el('li', {}, el('span', { class: 'explorer-final' }, `${describe(f.ending)}: `), scheduleText(f.path, threads));
                if (!serials.includes(f.ending)) {
                    item.classList.add('wrong');
                    item.prepend(el('span', { class: 'explorer-mark' }, 'another result, '));
                }
                item.value = i + 1;
                return item;
            });
            listing.replaceChildren(...shown);
            listingNote.textContent = found.length > MAX_LISTED
                ? `The first ${MAX_LISTED} of ${found.length}, in depth-first order (A\u2019s step tried before B\u2019s).`
                : `All ${found.length}, in depth-first order (A\u2019s step tried before B\u2019s).`;
            summaryOut.textContent = `${found.length} interleavings, ${wrong.length} with another result.`;
            details.hidden = false;
        }

        presetSelect.addEventListener('change', choosePreset);
        for (const input of [startInput, stepsA, stepsB]) {
            input.addEventListener('input', () => {
                const match = PRESETS.findIndex(p => p.start === startInput.valueAsNumber && p.a === stepsA.value && p.b === stepsB.value);
                presetSelect.value = match >= 0 ? String(match) : 'custom';
                load();
            });
            input.addEventListener('change', () => load(true));
        }
        stepButtons.forEach((button, t) => button.addEventListener('click', () => stepThread(t)));
        resetButton.addEventListener('click', () => load(true));
        enumerateButton.addEventListener('click', showEnumeration);

        presetSelect.value = '0';
        choosePreset();
    }

    document.querySelectorAll('#interleaving-explorer').forEach(build);
})();
