// Chapter 14's interleaving explorer, driven as a reader drives it.
//
// checkExplorer({ page, open, problem, progress, where, pagePath }) is called by check.mjs
// once, in the light theme at the desktop width, when ch14-explorer.html is in the selection.
//
// The page shows the output of `cargo run --release --example ch14_interleavings`, which
// enumerates every interleaving of the chapter's presets in Rust. The explorer must hold the
// same presets (same start value, same steps) and, enumerating them, reach the same counts:
// so the JavaScript and the Rust program cannot drift apart without this check saying so.

const COMMAND = '$ cargo run --release --example ch14_interleavings';

/** The presets and counts the page's console block shows, as printed by the program. */
function parseBlock(text) {
    const presets = [];
    let current = null;
    for (const line of text.split('\n')) {
        const head = line.match(/^(.+?): start (-?\d+); A: (.*); B: (.*)$/);
        if (head) {
            current = { name: head[1], start: Number(head[2]), a: head[3], b: head[4] };
            presets.push(current);
            continue;
        }
        const counts = line.match(/^\s+(\d+) interleavings; final values: (.*); one thread after the other gives (.*)$/);
        if (counts && current) {
            current.count = Number(counts[1]);
            current.finals = counts[2];
            current.serial = counts[3];
            continue;
        }
        const wrong = line.match(/^\s+(\d+) of (\d+) give another result(?:; the first is number (\d+): (.*))?$/);
        if (wrong && current) {
            current.wrong = Number(wrong[1]);
            current.firstNumber = wrong[3] ? Number(wrong[3]) : null;
            current.firstSchedule = wrong[4] || null;
        }
    }
    return presets;
}

export async function checkExplorer({ page, open, problem, progress, where, pagePath }) {
    const at = `${pagePath} explorer`;
    await open(page, pagePath);
    where.set(page, at);
    const explorer = page.locator('#interleaving-explorer');
    if (await explorer.count() !== 1) {
        problem(at, 'the page has no <div id="interleaving-explorer">');
        return;
    }
    await explorer.scrollIntoViewIfNeeded();
    const role = name => explorer.locator(`[data-role="${name}"]`);
    const text = async name => ((await role(name).textContent()) || '').trim();

    // The program's output, as the page shows it.
    const blocks = await page.locator('main pre code').allTextContents();
    const block = blocks.find(b => b.trimStart().startsWith(COMMAND));
    if (!block) {
        problem(at, `no console block of \`${COMMAND.slice(2)}\` on the page`);
        return;
    }
    const printed = parseBlock(block);
    if (printed.length === 0 || printed.some(p => p.count === undefined || p.wrong === undefined)) {
        problem(at, `could not read the presets and counts from the console block (${printed.length} presets read)`);
        return;
    }

    // The explorer's presets are the program's, in the same order, with the same steps.
    const options = await role('preset').locator('option').allTextContents();
    const names = printed.map(p => p.name);
    if (options.slice(0, names.length).join(' | ') !== names.join(' | ')) {
        problem(at, `the explorer's presets are "${options.join(' | ')}", the program's "${names.join(' | ')}"`);
    }
    for (const preset of printed) {
        const label = `preset "${preset.name}"`;
        if (!options.includes(preset.name)) {
            continue;
        }
        await role('preset').selectOption({ label: preset.name });
        const shown = {
            start: Number(await role('start').inputValue()),
            a: await role('steps-a').inputValue(),
            b: await role('steps-b').inputValue(),
        };
        if (shown.start !== preset.start || shown.a !== preset.a || shown.b !== preset.b) {
            problem(at, `${label}: the explorer has start ${shown.start}, A: ${shown.a}; B: ${shown.b}; the program ran start ${preset.start}, A: ${preset.a}; B: ${preset.b}`);
            continue;
        }
        await role('enumerate').click();
        const found = {
            count: Number(await text('count')),
            finals: await text('finals'),
            serial: await text('serial'),
            wrong: await text('wrong'),
            first: await text('first-wrong'),
        };
        if (found.count !== preset.count) {
            problem(at, `${label}: the explorer enumerates ${found.count} interleavings, the program ${preset.count}`);
        }
        if (found.finals !== preset.finals) {
            problem(at, `${label}: the explorer's final values are "${found.finals}", the program's "${preset.finals}"`);
        }
        if (found.serial !== preset.serial) {
            problem(at, `${label}: the explorer's serial result is "${found.serial}", the program's "${preset.serial}"`);
        }
        if (found.wrong !== `${preset.wrong} of ${preset.count}`) {
            problem(at, `${label}: the explorer counts "${found.wrong}" with another result, the program ${preset.wrong} of ${preset.count}`);
        }
        if (preset.firstSchedule && !found.first.includes(`number ${preset.firstNumber} in depth-first order: ${preset.firstSchedule}.`)) {
            problem(at, `${label}: the explorer's first other result is "${found.first}", the program's number ${preset.firstNumber}: ${preset.firstSchedule}`);
        }
        if (await role('results').isHidden()) {
            problem(at, `${label}: the enumeration's results stay hidden`);
        }
        if (await text('summary') !== `${preset.count} interleavings, ${preset.wrong} with another result.`) {
            problem(at, `${label}: the announced summary reads "${await text('summary')}"`);
        }
    }
    progress(`explorer: ${printed.length} presets agree with ch14_interleavings`);

    // A schedule chosen by clicks: the split counter, A and B alternating, loses the update.
    const steps = async (...threads) => {
        for (const t of threads) {
            await role(`step-${t}`).click();
        }
    };
    await role('preset').selectOption({ label: 'split counter' });
    await steps('a', 'b', 'a', 'b', 'a', 'b');
    if (await text('shared') !== '1' || !(await text('outcome')).includes('No serial order gives it')) {
        problem(at, `split counter, A B A B A B: shared value "${await text('shared')}", outcome "${await text('outcome')}"; expected 1, which no serial order gives`);
    }
    if (await text('schedule') !== 'A B A B A B') {
        problem(at, `the schedule reads "${await text('schedule')}" after A B A B A B`);
    }
    await role('reset').click();
    await steps('a', 'a', 'a', 'b', 'b', 'b');
    if (await text('shared') !== '2') {
        problem(at, `split counter, A A A B B B: shared value "${await text('shared')}", expected 2`);
    }

    // The lock: while A holds it, B cannot take its first step.
    await role('preset').selectOption({ label: 'locked counter' });
    await steps('a');
    if (await role('step-b').getAttribute('aria-disabled') !== 'true' || !(await text('register-b')).includes('waits for the lock')) {
        problem(at, 'locked counter: with A holding the lock, B can still run, or does not say it waits');
    }
    await steps('a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b');
    if (await text('shared') !== '2' || await text('lock') !== 'free') {
        problem(at, `locked counter run through: shared "${await text('shared')}", lock "${await text('lock')}"`);
    }

    // Check, then act by hand: both checks first, then both debits, overdraws.
    await role('preset').selectOption({ label: 'check, then act' });
    await steps('a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'a', 'a', 'a', 'a', 'a', 'b', 'b', 'b', 'b', 'b');
    if (await text('shared') !== '-100') {
        problem(at, `check, then act with both checks first: balance "${await text('shared')}", expected -100`);
    }

    // Keyboard alone: Tab from the second thread's steps reaches A's button, and Enter on it
    // and Space on B's run a step each.
    await role('preset').selectOption({ label: 'split counter' });
    await role('steps-b').focus();
    await page.keyboard.press('Tab');
    const focused = await page.evaluate(() => document.activeElement?.dataset.role);
    if (focused !== 'step-a') {
        problem(at, `Tab from thread B's steps goes to ${focused}, not to A's step button`);
    }
    await role('step-a').focus();
    await page.keyboard.press('Enter');
    await role('step-b').focus();
    await page.keyboard.press('Space');
    if (await text('schedule') !== 'A B') {
        problem(at, `Enter on A's button and Space on B's give the schedule "${await text('schedule')}"`);
    }

    // Keyboard alone, to the end: Enter on A's button until A has finished keeps the focus
    // on that button (a disabled button would drop it on the page's body), and one more
    // Enter does nothing.
    await role('reset').click();
    await role('step-a').focus();
    for (let i = 0; i < 4; i += 1) {
        await page.keyboard.press('Enter');
    }
    const kept = await page.evaluate(() => document.activeElement?.dataset.role || document.activeElement?.tagName);
    if (kept !== 'step-a' || await text('schedule') !== 'A A A' || await role('step-a').getAttribute('aria-disabled') !== 'true') {
        problem(at, `Enter four times on A's button: focus on ${kept}, schedule "${await text('schedule')}", A's button aria-disabled ${await role('step-a').getAttribute('aria-disabled')}`);
    }

    // Steps of your own: a wrong one is refused and said so; a right one runs.
    // The message is polite, not an alert, and is written when the field changes (on
    // leaving it or Enter) or after a pause, not on every keystroke.
    if (await role('problem').getAttribute('role') === 'alert' || await role('problem').getAttribute('aria-live') !== 'polite') {
        problem(at, 'the input problem is an alert, or not a polite live region');
    }
    await role('steps-a').fill('load, jump, store');
    await role('steps-a').dispatchEvent('change');
    if (!(await text('problem')).includes('"jump" is not a step') || await role('steps-a').getAttribute('aria-invalid') !== 'true') {
        problem(at, `a wrong step is not refused: the message says "${await text('problem')}"`);
    }
    await role('steps-a').fill('fetch_add 5');
    await role('steps-b').fill('load, add 1, store');
    await role('start').fill('10');
    if (await text('problem') !== '' || await role('preset').inputValue() !== 'custom') {
        problem(at, `own steps: problem "${await text('problem')}", preset ${await role('preset').inputValue()}`);
    }
    await role('enumerate').click();
    // B's three steps around A's one: 4 orders; A between B's load and store loses A's 5.
    if (await text('count') !== '4' || await text('finals') !== '11 (2), 16 (2)' || await text('wrong') !== '2 of 4') {
        problem(at, `own steps (fetch_add 5 against a split increment, from 10): ${await text('count')} interleavings, finals "${await text('finals')}", another result "${await text('wrong')}"`);
    }

    // Screen readers: each control by its role and name, and the results in live regions.
    for (const [kind, name] of [['group', 'Interleaving explorer'], ['combobox', 'Preset'],
        ['spinbutton', 'Shared value at the start'], ['textbox', 'Thread A\u2019s steps'],
        ['textbox', 'Thread B\u2019s steps'], ['button', 'Run A\u2019s next step'],
        ['button', 'Run B\u2019s next step'], ['button', 'Enumerate every interleaving'],
        ['button', 'Start again']]) {
        if (await page.getByRole(kind, { name, exact: true }).count() !== 1) {
            problem(at, `no ${kind} named "${name}" for a screen reader`);
        }
    }
    if (await role('results').getAttribute('hidden') !== null) {
        problem(at, 'the results live region is hidden; it must stay in the page for its updates to be announced');
    }
    for (const name of ['status', 'results']) {
        const live = await role(name).evaluate(node => ({
            live: node.getAttribute('aria-live'), atomic: node.getAttribute('aria-atomic'),
        }));
        if (live.live !== 'polite' || live.atomic !== 'true') {
            problem(at, `the ${name} are not one polite, atomic live region`);
        }
    }
    await role('preset').selectOption({ label: 'split counter' });
    progress('explorer: clicks, keyboard and own steps checked');
}
