// The Amdahl calculator of chapter 2: a page holds it with `<div id="amdahl-calculator"></div>`.
//
// The reader sets the parallel portion and the number of processors; the calculator shows
// the speedup of Amdahl's law, the efficiency, the upper bound and the curve of speedup
// against processors, and plots the speedups of a pasted `ch02_amdahl` table against it.
// Plain JavaScript and inline SVG: the book loads nothing from the network, and every
// colour comes from mdBook's theme variables (theme/book.css), so it reads in every theme.
(function amdahlCalculator() {
    'use strict';

    const SVG = 'http://www.w3.org/2000/svg';
    const MAX_EXPONENT = 16; // the curve's axis runs from 2^0 to 2^16 processors
    const MAX_PROCESSORS = 2 ** MAX_EXPONENT;
    // The chapter's worked example, so the reader starts from numbers the text explains.
    const START_PARALLEL = 40;
    const START_PROCESSORS = 4;
    // The chart's widest drawing (its CSS max-width), its narrowest, and its height, in px.
    const WIDTH = 760;
    const MIN_WIDTH = 260;
    const HEIGHT = 300;

    /** Amdahl's law: the speedup on `j` processors of a program whose serial fraction is `b`. */
    function speedup(b, j) {
        return 1 / (b + (1 - b) / j);
    }

    function el(tag, attributes, ...children) {
        const node = tag.startsWith('svg:')
            ? document.createElementNS(SVG, tag.slice(4))
            : document.createElement(tag);
        for (const [name, value] of Object.entries(attributes || {})) {
            node.setAttribute(name, value);
        }
        for (const child of children) {
            node.append(child);
        }
        return node;
    }

    function times(value) {
        return value.toFixed(2) + '\u00d7';
    }

    /** About five round steps (1, 2 or 5 times a power of ten) from 0 to at least `top`. */
    function ticks(top) {
        const rough = top / 5;
        const power = 10 ** Math.floor(Math.log10(rough));
        const step = [1, 2, 5, 10].map(m => m * power).find(s => s >= rough);
        const values = [];
        for (let v = 0; v < top + step / 2; v += step) {
            values.push(Number(v.toPrecision(12)));
        }
        return values;
    }

    /**
     * The rows of a table printed by `ch02_amdahl` (or any table of the chapter with a
     * `workers` and a `speedup` column): [{workers, speedup}], plus the serial fraction the
     * program estimated, when its `Amdahl:` line gives one.
     */
    function parseTable(text) {
        const rows = [];
        let speedupColumn = -1;
        let serial = null;
        for (const line of text.split(/\r?\n/)) {
            // The header's names are separated by two spaces or more ("total s", "Karp-Flatt e").
            const names = line.trim().split(/\s{2,}/);
            if (names[0] === 'workers' && names.includes('speedup')) {
                speedupColumn = names.indexOf('speedup');
                continue;
            }
            const estimate = line.match(/^Amdahl:.*serial fraction (-?\d+(?:\.\d+)?)/);
            if (estimate) {
                serial = Number(estimate[1]);
                continue;
            }
            const cells = line.trim().split(/\s+/);
            if (speedupColumn < 0 || !/^\d+$/.test(cells[0]) || cells.length <= speedupColumn) {
                continue;
            }
            const workers = Number(cells[0]);
            const value = Number(cells[speedupColumn].replace(/x$/, ''));
            if (workers >= 1 && Number.isFinite(value) && value > 0) {
                rows.push({ workers, speedup: value });
            }
        }
        return { rows, serial };
    }

    function build(host, index) {
        const id = name => `amdahl-${index}-${name}`;
        let parallel = START_PARALLEL;
        let processors = START_PROCESSORS;
        let measured = { rows: [], serial: null };

        // Inputs: a slider for quick exploring and a number field for exact values, for
        // each quantity; both are native controls, so they work with the keyboard.
        const parallelRange = el('input', {
            type: 'range', id: id('parallel-range'), min: '0', max: '100', step: '1',
            value: String(parallel), 'data-role': 'parallel-range',
        });
        const parallelNumber = el('input', {
            type: 'number', id: id('parallel-number'), min: '0', max: '100', step: 'any',
            value: String(parallel), inputmode: 'decimal', 'data-role': 'parallel-number',
            'aria-label': 'Parallel portion in percent',
        });
        // Processors on a log2 slider, as on the curve: each step doubles the count.
        const processorsRange = el('input', {
            type: 'range', id: id('processors-range'), min: '0', max: String(MAX_EXPONENT),
            step: '1', value: String(Math.log2(processors)), 'data-role': 'processors-range',
        });
        const processorsNumber = el('input', {
            type: 'number', id: id('processors-number'), min: '1', max: String(MAX_PROCESSORS),
            step: '1', value: String(processors), inputmode: 'numeric',
            'data-role': 'processors-number', 'aria-label': 'Number of processors',
        });
        const problem = el('p', { class: 'amdahl-problem', role: 'alert', 'data-role': 'problem' });

        const inputs = el('div', { class: 'amdahl-inputs' },
            el('div', { class: 'amdahl-field' },
                el('label', { for: id('parallel-range') }, 'Parallel portion'),
                parallelRange,
                el('span', { class: 'amdahl-number' }, parallelNumber, ' %')),
            el('div', { class: 'amdahl-field' },
                el('label', { for: id('processors-range') }, 'Processors'),
                processorsRange,
                el('span', { class: 'amdahl-number' }, processorsNumber)));

        // The three results are one live region, read out whole ("Speedup 1.43×, Efficiency
        // 35.7 %, Upper bound 1.67×") when a value changes; each <output> alone would be a
        // live region of its own (its implicit role is status) and be announced separately.
        const output = (role, label) => {
            const out = el('output', {
                'data-role': role, 'aria-live': 'off',
                for: `${id('parallel-number')} ${id('processors-number')}`,
            });
            return [el('div', {}, el('dt', {}, label), el('dd', {}, out)), out];
        };
        const [speedupItem, speedupOut] = output('speedup', 'Speedup');
        const [efficiencyItem, efficiencyOut] = output('efficiency', 'Efficiency');
        const [boundItem, boundOut] = output('bound', 'Upper bound');
        const results = el('div', {
            role: 'status', 'aria-live': 'polite', 'aria-atomic': 'true', 'data-role': 'results',
        }, el('dl', { class: 'amdahl-results' }, speedupItem, efficiencyItem, boundItem));
        const formula = el('p', { class: 'amdahl-formula', 'data-role': 'formula' });

        const chartTitle = el('svg:title', { id: id('chart-title') });
        // The chart is drawn at the width it is shown, one SVG unit to one CSS pixel, so its
        // 12 px text stays 12 px on a phone instead of shrinking with a fixed viewBox.
        const chart = el('svg:svg', {
            class: 'amdahl-chart', viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img',
            'aria-labelledby': id('chart-title'), 'data-role': 'chart',
        }, chartTitle);
        const plot = el('svg:g');
        chart.append(plot);

        const swatch = (kind, shape) => el('svg:svg', { class: `amdahl-key-${kind}`, viewBox: '0 0 24 12', width: '24', height: '12', 'aria-hidden': 'true' }, shape);
        const key = el('p', { class: 'amdahl-key' },
            el('span', {}, swatch('curve', el('svg:line', { class: 'curve', x1: 0, x2: 24, y1: 6, y2: 6 })), ' Amdahl\u2019s law'),
            el('span', {}, swatch('bound', el('svg:line', { class: 'bound', x1: 0, x2: 24, y1: 6, y2: 6 })), ' its limit 1/B'),
            el('span', {}, swatch('point', el('svg:circle', { class: 'point', cx: 12, cy: 6, r: 5 })), ' your setting'),
            el('span', {}, swatch('measured', el('svg:rect', { class: 'measured', x: 7.5, y: 1.5, width: 9, height: 9 })), ' measured (pasted below)'));

        const paste = el('textarea', {
            id: id('paste'), rows: '8', spellcheck: 'false', 'data-role': 'paste',
            placeholder: 'workers  total s  parallel s  speedup  ...',
        });
        const pasteStatus = el('p', { class: 'amdahl-paste-status', role: 'status', 'data-role': 'paste-status' });
        const useEstimate = el('button', { type: 'button', hidden: '', 'data-role': 'use-estimate' });
        const pasteLabel = el('label', { for: id('paste') },
            'Paste the table printed by ',
            el('code', {}, 'cargo run --release --example ch02_amdahl'),
            ' to plot your machine\u2019s speedups against the law:');
        const measuring = el('details', { class: 'amdahl-paste' },
            el('summary', {}, 'Plot your own measurement'),
            pasteLabel, paste, pasteStatus, useEstimate);

        host.classList.add('amdahl-calculator');
        host.setAttribute('role', 'group');
        host.setAttribute('aria-label', 'Amdahl\u2019s law calculator');
        host.replaceChildren(
            el('p', { class: 'amdahl-heading' }, 'Amdahl\u2019s law calculator'),
            inputs, problem, results, formula, chart, key, measuring);

        // The plot's left and right edges, for the chart's current width.
        let left = 60;
        let right = WIDTH - 20;
        let width = WIDTH;
        function x(j) {
            return left + (Math.log2(j) / MAX_EXPONENT) * (right - left);
        }

        function draw() {
            width = Math.round(Math.max(MIN_WIDTH, Math.min(WIDTH, chart.getBoundingClientRect().width || WIDTH)));
            chart.setAttribute('viewBox', `0 0 ${width} ${HEIGHT}`);
            left = width < 480 ? 44 : 60;
            right = width - 20;
            const b = 1 - parallel / 100;
            const top = Math.max(
                speedup(b, MAX_PROCESSORS),
                ...measured.rows.map(r => r.speedup),
                1) * 1.08;
            const yTicks = ticks(top);
            const yMax = yTicks[yTicks.length - 1];
            const y = s => 250 - (s / yMax) * 230;
            const parts = [];
            for (const v of yTicks) {
                parts.push(el('svg:line', { class: 'grid', x1: left, x2: right, y1: y(v), y2: y(v) }));
                parts.push(el('svg:text', { class: 'tick', x: left - 6, y: y(v) + 4, 'text-anchor': 'end' },
                    String(v)));
            }
            // A label every second grid line when the labels ("16384") would touch.
            const labelEvery = (right - left) / (MAX_EXPONENT / 2) < 44 ? 4 : 2;
            for (let e = 0; e <= MAX_EXPONENT; e += 2) {
                const j = 2 ** e;
                parts.push(el('svg:line', { class: 'grid', x1: x(j), x2: x(j), y1: 20, y2: 250 }));
                if (e % labelEvery === 0) {
                    parts.push(el('svg:text', { class: 'tick', x: x(j), y: 266, 'text-anchor': 'middle' },
                        String(j)));
                }
            }
            parts.push(el('svg:path', { class: 'axis', d: `M${left},20 V250 H${right}` }));
            parts.push(el('svg:text', { class: 'label', x: (left + right) / 2, y: 292, 'text-anchor': 'middle' },
                'processors (each step doubles them)'));
            parts.push(el('svg:text', {
                class: 'label', x: 16, y: 135, 'text-anchor': 'middle', transform: 'rotate(-90 16 135)',
            }, 'speedup'));
            if (b > 0 && 1 / b <= yMax) {
                parts.push(el('svg:line', {
                    class: 'bound', x1: left, x2: right, y1: y(1 / b), y2: y(1 / b), 'data-role': 'bound-line',
                }));
                parts.push(el('svg:text', {
                    class: 'bound-label', x: right - 4, y: y(1 / b) - 6, 'text-anchor': 'end',
                }, `limit 1/B = ${times(1 / b)}`));
            }
            // Sixteen samples per doubling, as in Figure 2-1.
            const points = [];
            for (let step = 0; step <= MAX_EXPONENT * 16; step++) {
                const j = 2 ** (step / 16);
                points.push(`${x(j).toFixed(1)},${y(speedup(b, j)).toFixed(1)}`);
            }
            parts.push(el('svg:path', { class: 'curve', d: 'M' + points.join(' L'), 'data-role': 'curve' }));
            for (const row of measured.rows) {
                const cx = x(Math.min(row.workers, MAX_PROCESSORS));
                const marker = el('svg:rect', {
                    class: 'measured', x: cx - 4.5, y: y(row.speedup) - 4.5, width: 9, height: 9,
                    'data-role': 'measured', 'data-workers': row.workers, 'data-speedup': row.speedup,
                }, el('svg:title', {}, `measured: ${times(row.speedup)} with ${row.workers} workers`));
                parts.push(marker);
            }
            const s = speedup(b, processors);
            const px = x(processors);
            const py = y(s);
            parts.push(el('svg:circle', {
                class: 'point', cx: px, cy: py, r: 6, 'data-role': 'point',
                'data-processors': processors, 'data-speedup': s,
            }));
            // The label sits below and to the side of the point, where the rising curve is not.
            const onRight = px > right - 140;
            parts.push(el('svg:text', {
                class: 'point-label', x: onRight ? px - 10 : px + 10, y: Math.min(py + 20, 244),
                'text-anchor': onRight ? 'end' : 'start',
            }, `${times(s)} on ${processors}`));
            plot.replaceChildren(...parts);
            chartTitle.textContent = `Speedup against processors, 1 to ${MAX_PROCESSORS} on a `
                + `doubling axis, for a program ${parallel}% parallel: ${times(s)} on `
                + `${processors} processors` + (b > 0 ? `, never above ${times(1 / b)}.` : '.')
                + (measured.rows.length ? ` ${measured.rows.length} measured speedups marked.` : '');
        }

        function update() {
            const b = 1 - parallel / 100;
            const s = speedup(b, processors);
            speedupOut.textContent = times(s);
            speedupOut.dataset.value = String(s);
            efficiencyOut.textContent = (100 * s / processors).toFixed(1) + ' %';
            efficiencyOut.dataset.value = String(s / processors);
            if (b > 0) {
                boundOut.textContent = times(1 / b);
                boundOut.dataset.value = String(1 / b);
            } else {
                boundOut.textContent = 'none: with no serial part, S = j';
                boundOut.dataset.value = 'Infinity';
            }
            // Screen readers announce the slider as a processor count, not as its exponent.
            processorsRange.setAttribute('aria-valuetext', `${processors} processors`);
            formula.textContent = `S = 1 / (B + (1 \u2212 B) / j) with B = 1 \u2212 ${parallel}% = `
                + `${Number(b.toFixed(4))} and j = ${processors}; efficiency S / j; `
                + 'upper bound 1 / B.';
            draw();
        }

        // A value typed into a number field counts only when it is a valid one; until then the
        // calculator keeps the last good value and says what is wrong.
        const wrong = new Map();
        function accept(field, ok, message) {
            if (ok) {
                field.removeAttribute('aria-invalid');
                wrong.delete(field);
            } else {
                field.setAttribute('aria-invalid', 'true');
                wrong.set(field, message);
            }
            problem.textContent = Array.from(wrong.values()).join(' ');
            return ok;
        }

        parallelRange.addEventListener('input', () => {
            parallel = Number(parallelRange.value);
            parallelNumber.value = String(parallel);
            accept(parallelNumber, true);
            update();
        });
        parallelNumber.addEventListener('input', () => {
            const value = parallelNumber.valueAsNumber;
            if (accept(parallelNumber, value >= 0 && value <= 100,
                'The parallel portion is a percentage from 0 to 100.')) {
                parallel = value;
                parallelRange.value = String(Math.round(value));
                update();
            }
        });
        processorsRange.addEventListener('input', () => {
            processors = 2 ** Number(processorsRange.value);
            processorsNumber.value = String(processors);
            accept(processorsNumber, true);
            update();
        });
        processorsNumber.addEventListener('input', () => {
            const value = processorsNumber.valueAsNumber;
            if (accept(processorsNumber,
                Number.isInteger(value) && value >= 1 && value <= MAX_PROCESSORS,
                `The number of processors is a whole number from 1 to ${MAX_PROCESSORS}.`)) {
                processors = value;
                processorsRange.value = String(Math.round(Math.log2(value)));
                update();
            }
        });

        paste.addEventListener('input', () => {
            measured = parseTable(paste.value);
            const count = measured.rows.length;
            useEstimate.hidden = true;
            if (paste.value.trim() === '') {
                pasteStatus.textContent = '';
            } else if (count === 0) {
                pasteStatus.textContent = 'No table rows found: paste the lines from the '
                    + '"workers ... speedup" header down.';
            } else {
                pasteStatus.textContent = `${count} measured speedup${count === 1 ? '' : 's'} `
                    + 'plotted as squares.';
                const e = measured.serial;
                if (e !== null && e >= 0 && e <= 1) {
                    useEstimate.textContent = `Set the parallel portion to ${Number(((1 - e) * 100).toFixed(1))}%, `
                        + `from the serial fraction ${e} the program estimated`;
                    useEstimate.hidden = false;
                } else if (e !== null) {
                    pasteStatus.textContent += ` The program's estimate of the serial fraction, ${e}, `
                        + 'is outside 0 to 1: no serial part explains these runs (more workers '
                        + 'than cores, or a busy machine).';
                }
            }
            draw();
        });
        useEstimate.addEventListener('click', () => {
            parallelNumber.value = String(Number(((1 - measured.serial) * 100).toFixed(1)));
            parallelNumber.dispatchEvent(new Event('input'));
        });

        update();
        // Redrawn when its width changes (a phone turned, a window resized, the sidebar shown).
        if (window.ResizeObserver) {
            new ResizeObserver(() => {
                if (Math.round(chart.getBoundingClientRect().width) !== width) {
                    draw();
                }
            }).observe(chart);
        }
    }

    document.querySelectorAll('#amdahl-calculator').forEach(build);
})();
