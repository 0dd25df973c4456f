/**
 * The web UI end to end in headless Chromium against a seeded server: every page loads without
 * console errors or requests leaving the machine, the filter box filters and reports parser errors,
 * compare draws its charts, previews work. Every run takes a screenshot of each page into
 * test/.artifacts/screenshots (ignored by git); with LABBOOK_UPDATE_SCREENSHOTS=1 they replace the
 * README's pictures in docs/screenshots, so an ordinary test run leaves the work tree clean.
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@labbook/core';
import { startServer } from '@labbook/server';
import type { Browser, ConsoleMessage, Page, Request, Response, Route } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { launchBrowser } from '../harness/browser.js';
import { serviceAvailable } from '../harness/service.js';
import { FIGURE_BARS, type Seeded, seedFigure, seedLoggedModels, seededServer } from './seed.js';

const SHOTS =
  process.env.LABBOOK_UPDATE_SCREENSHOTS === '1'
    ? join(import.meta.dirname, '..', '..', 'docs', 'screenshots')
    : join(import.meta.dirname, '..', '.artifacts', 'screenshots');

let browser: Browser | undefined;
let launchError: unknown;
try {
  browser = await launchBrowser();
} catch (error) {
  launchError = error;
}
const available = serviceAvailable('browser (Chromium)', launchError);

describe.runIf(available)('web UI', () => {
  let seeded: Seeded;
  let page: Page;
  const problems: string[] = [];
  // The one failed request a test provokes on purpose (a bad filter); any other is a problem.
  let expectedFailure: RegExp | undefined;

  beforeAll(async () => {
    seeded = await seededServer();
    const context = await browser!.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    page = await context.newPage();
    // A missing element fails its test in seconds instead of at the 60 s test timeout.
    page.setDefaultTimeout(10_000);
    page.on('console', (m) => {
      // Failed requests are judged below, by URL, from their responses.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) problems.push(`console: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400 && !expectedFailure?.test(r.url())) problems.push(`HTTP ${r.status()}: ${r.url()}`);
    });
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('request', (r) => {
      const host = new URL(r.url()).hostname;
      if (!['127.0.0.1', 'localhost'].includes(host) && !r.url().startsWith('blob:') && !r.url().startsWith('data:'))
        problems.push(`outside request: ${r.url()}`);
    });
  });
  afterAll(async () => {
    await browser?.close();
    await seeded?.server.close();
    if (seeded) rmSync(seeded.root, { recursive: true, force: true });
  });

  const open = async (hash: string) => {
    await page.goto(`${seeded.server.url}/${hash}`);
  };
  const shot = (name: string, fullPage = false) => page.screenshot({ path: join(SHOTS, `${name}.png`), fullPage });
  const filterOf = (r: Request) => (r.postDataJSON() as { filter?: string } | null)?.filter ?? '';
  const isSearch = (r: Response, filter: string) => r.url().endsWith('/runs/search') && filterOf(r.request()) === filter;
  /**
   * Applies a filter the server must refuse, and returns once the page shows the refusal of exactly
   * that text. Waiting for "an error" or "a caret" is not enough: the previous filter's error can
   * satisfy it before this one is answered, and this filter's 400 then lands after `expectedFailure`
   * was reset.
   * @param whileWaiting - runs after Enter, before the server's answer is awaited
   * @returns the position the server's message names
   */
  const applyRefused = async (text: string, whileWaiting?: () => Promise<void>) => {
    const box = page.getByLabel('Filter runs');
    await box.fill(text);
    const answered = page.waitForResponse((r) => isSearch(r, text));
    expectedFailure = /runs\/search$/;
    try {
      await box.press('Enter');
      await whileWaiting?.();
      const response = await answered;
      expect(response.status()).toBe(400);
      await page.locator(`#filter-error[data-filter=${JSON.stringify(text)}]`).waitFor();
      const { message } = (await response.json()) as { message: string };
      return Number(/at position (\d+)/.exec(message)?.[1]);
    } finally {
      expectedFailure = undefined;
    }
  };

  it('lists, creates, renames, deletes and restores experiments', async () => {
    await open('#/experiments');
    await page.getByRole('link', { name: 'image-classifier' }).waitFor();
    await shot('experiments');
    await page.getByLabel('New experiment name').fill('from-the-ui');
    await page.getByRole('button', { name: 'Create' }).click();
    const row = page.getByRole('row', { name: /from-the-ui/ });
    await row.waitFor();
    await row.getByRole('button', { name: 'Rename' }).click();
    await page.getByLabel('New name').fill('renamed-in-ui');
    await page.getByRole('button', { name: 'Save' }).click();
    // The link appears once the rename is stored and the list reloaded; a row matched by name would also
    // match while the form's input still holds the new name, and the Delete below would race the rename.
    await page.getByRole('link', { name: 'renamed-in-ui' }).waitFor();
    const renamed = page.getByRole('row', { name: /renamed-in-ui/ });
    await renamed.getByRole('button', { name: 'Delete' }).click();
    await renamed.waitFor({ state: 'detached' });
    await page.getByLabel('Show deleted').check();
    await page
      .getByRole('row', { name: /renamed-in-ui/ })
      .getByRole('button', { name: 'Restore' })
      .click();
    await page.getByLabel('Show deleted').uncheck();
    await page.getByRole('row', { name: /renamed-in-ui/ }).waitFor();
    await page.getByLabel('Search experiments').fill('image');
    await expect.poll(() => page.locator('table[aria-label="Experiments"] tbody tr').count()).toBe(1);
  });

  it('runs table: filters with the search grammar and shows the parser error where it is', async () => {
    await open(`#/experiments/${seeded.experimentId}`);
    const rows = page.locator('tr[data-run-id]');
    await expect.poll(() => rows.count()).toBe(seeded.runIds.length);
    await expect.poll(async () => (await page.locator('thead').textContent()) ?? '').toContain('accuracy');
    // The window's arithmetic assumes one row height: a wrapped cell would break scrolling.
    const heights = await rows.evaluateAll((trs) =>
      trs.map((tr) => (tr as unknown as { getBoundingClientRect(): { height: number } }).getBoundingClientRect().height),
    );
    expect(new Set(heights.map(Math.round))).toEqual(new Set([32]));
    await shot('runs');
    await page.getByLabel('Filter runs').fill("params.optimizer = 'adam'");
    await page.getByLabel('Filter runs').press('Enter');
    await expect.poll(() => rows.count()).toBe(3);
    // The applied filter is in the address: a reload (or a shared link) shows the same runs.
    expect(new URL(page.url()).hash).toBe(`#/experiments/${seeded.experimentId}?filter=params.optimizer+%3D+%27adam%27`);
    await page.reload();
    await expect.poll(() => rows.count()).toBe(3);
    await expect.poll(() => page.getByLabel('Filter runs').inputValue()).toBe("params.optimizer = 'adam'");
    expect(await applyRefused('metrics.accuracy >')).toBe(18);
    const error = page.locator('#filter-error');
    await expect.poll(async () => (await error.textContent()) ?? '').toContain('position 18');
    await expect.poll(async () => (await error.locator('pre.caret').textContent()) ?? '').toContain('^');
    expect(await error.locator('mark').count()).toBe(1);
    // A typo does not lose the view: the rows of the last accepted filter stay, marked as such.
    expect(await rows.count()).toBe(3);
    expect(await page.locator('tr.stale[data-run-id]').count()).toBe(3);
    expect(await page.locator('.count').textContent()).toContain("still showing the runs of params.optimizer = 'adam'");
    await applyRefused("params.optimizer = 'adam' and metrics.loss >> 1");
    // The mistake in the middle of the filter: the marked character is the one the parser named.
    expect(await error.locator('mark').textContent()).toBe('>');
    await applyRefused('metrics.accuracy >');
    expect(await error.locator('mark').textContent()).toBe(' ');
    await shot('runs-filter-error');
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count()).toBe(seeded.runIds.length);
    // A picked column (the `team` tag) shows, and is still there on the next visit.
    await page.locator('.column-picker summary').click();
    await page.locator('.picker-body').getByLabel('team').check();
    await expect.poll(async () => (await page.locator('thead').textContent()) ?? '').toContain('team');
    await expect.poll(async () => (await rows.first().textContent()) ?? '').toMatch(/vision|nlp/);
    await page.reload();
    await expect.poll(async () => (await page.locator('thead').textContent()) ?? '').toContain('team');
    await page.locator('.column-picker summary').click();
    await page.locator('.picker-body').getByLabel('team').uncheck();
    await page.locator('.column-picker summary').click();
    await expect.poll(async () => (await page.locator('thead').textContent()) ?? '').not.toContain('team');
    // Sorting by run name, ascending then descending.
    await page.getByRole('button', { name: /^Run/ }).click();
    await expect.poll(async () => (await rows.first().textContent()) ?? '').toContain('run-5');
    await page.getByRole('button', { name: /^Run/ }).click();
    await expect.poll(async () => (await rows.first().textContent()) ?? '').toContain('run-0');
  });

  it('runs table: a caret is only ever drawn under the text it is about', async () => {
    await open(`#/experiments/${seeded.experimentId}`);
    const rows = page.locator('tr[data-run-id]');
    await expect.poll(() => rows.count()).toBe(seeded.runIds.length);
    // Every state the page commits to the DOM, recorded in the page: polling from here would sample
    // a few of them and could miss the one wrong frame. A string, as the tests compile without the DOM types.
    await page.evaluate(`(() => {
      const seen = [];
      new MutationObserver(() => {
        const caret = document.querySelector('#filter-error pre.caret');
        if (!caret) return;
        const [drawn, marker] = caret.textContent.split('\\n');
        const box = document.querySelector('input[aria-label="Filter runs"]').value;
        seen.push({ box, drawn, at: marker.indexOf('^'), mark: caret.querySelector('mark').textContent });
      }).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
      globalThis.__carets = seen;
    })()`);
    const box = page.getByLabel('Filter runs');
    const caret = page.locator('#filter-error pre.caret');
    const positions = new Map<string, number>();
    const first = 'metrics.accuracy >';
    const second = "params.optimizer = 'adam' and metrics.loss >> 1";
    positions.set(first, await applyRefused(first));
    expect(await caret.textContent()).toContain('^');

    // The second filter's answer is held back, so the page spends a while with the new text in the box
    // and the first filter's refusal in hand: exactly where the old caret used to be drawn.
    let held = 0;
    const hold = async (route: Route) => {
      if (filterOf(route.request()) === second) {
        held++;
        await new Promise((resolve) => setTimeout(resolve, 600));
      }
      await route.continue();
    };
    await page.route('**/runs/search', hold);
    try {
      positions.set(
        second,
        await applyRefused(second, async () => {
          expect(await box.inputValue()).toBe(second);
          expect(await page.locator('#filter-error').count()).toBe(0);
        }),
      );
    } finally {
      await page.unroute('**/runs/search', hold);
    }
    expect(held).toBe(1);
    expect(await caret.locator('mark').textContent()).toBe('>');

    // Editing the box takes the caret away (its position names a character no longer there) but keeps
    // the message as a hint; undoing the edit brings the caret back.
    await box.fill(`${second} and`);
    await expect.poll(() => caret.count()).toBe(0);
    expect(await page.locator('#filter-error').textContent()).toContain(`position ${positions.get(second)}`);
    await box.fill(second);
    await expect.poll(() => caret.count()).toBe(1);

    // A filter the server accepts clears the error.
    const good = "params.optimizer = 'adam'";
    await box.fill(good);
    const accepted = page.waitForResponse((r) => isSearch(r, good));
    await box.press('Enter');
    expect((await accepted).status()).toBe(200);
    await expect.poll(() => rows.count()).toBe(3);
    await expect.poll(() => page.locator('#filter-error').count()).toBe(0);
    expect(await box.getAttribute('aria-invalid')).toBe('false');
    expect(await page.locator('tr.stale[data-run-id]').count()).toBe(0);

    const seen = (await page.evaluate('globalThis.__carets')) as { box: string; drawn: string; at: number; mark: string }[];
    // A parser that ran off the end has a space drawn and marked after the text.
    const textOf = (s: { drawn: string; at: number }) =>
      s.at === s.drawn.length - 1 && s.drawn.endsWith(' ') ? s.drawn.slice(0, -1) : s.drawn;
    expect(new Set(seen.map(textOf))).toEqual(new Set([first, second]));
    for (const s of seen) {
      const text = textOf(s);
      // The caret marks the text in the box, at the position the server gave for that very text.
      expect(text).toBe(s.box.trim());
      expect(s.at).toBe(positions.get(text));
      expect(s.mark).toBe(text.charAt(s.at) || ' ');
    }
    // The next tests open the experiment expecting all its runs, and the address keeps the filter.
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count()).toBe(seeded.runIds.length);
  });

  it('runs table: one Tab stop, arrows move between rows, Space selects, Enter opens', async () => {
    await open(`#/experiments/${seeded.experimentId}`);
    const rows = page.locator('tr[data-run-id]');
    await expect.poll(() => rows.count()).toBe(seeded.runIds.length);
    // Tab from the last column header lands on the first row, not on a control inside it.
    await page.locator('thead button').last().focus();
    await page.keyboard.press('Tab');
    await expect.poll(() => page.locator(':focus').getAttribute('aria-rowindex')).toBe('2');
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowDown');
    await expect.poll(() => page.locator(':focus').getAttribute('aria-rowindex')).toBe('4');
    await page.keyboard.press(' ');
    await expect.poll(() => page.locator('.compare-action').textContent()).toBe('Compare (1)');
    await page.keyboard.press(' ');
    await expect.poll(() => page.locator('.compare-action').textContent()).toBe('Compare (0)');
    await page.keyboard.press('End');
    await expect.poll(() => page.locator(':focus').getAttribute('aria-rowindex')).toBe(String(seeded.runIds.length + 1));
    const lastId = await page.locator(':focus').getAttribute('data-run-id');
    await page.keyboard.press('Enter');
    await expect.poll(() => new URL(page.url()).hash).toBe(`#/runs/${lastId}`);
    await page.getByRole('table', { name: 'Parameters' }).waitFor();
  });

  it('compare: overlaid charts, a scatter and highlighted params', async () => {
    await open(`#/experiments/${seeded.experimentId}`);
    await page.getByLabel('Select run run-0').check();
    await page.getByLabel('Select run run-1').check();
    await page.getByLabel('Select run run-2').check();
    await page.getByRole('link', { name: 'Compare (3)' }).click();
    await page.locator('.metric-chart[data-metric="loss"] canvas').waitFor();
    await page.locator('.metric-chart[data-metric="accuracy"] canvas').waitFor();
    await page.locator('.metric-chart[data-metric="val_accuracy"] .chart[data-drawn="true"]').waitFor();
    await page.locator('.scatter canvas').waitFor();
    await expect.poll(() => page.locator('tr.differs').count()).toBe(2);
    await expect.poll(async () => (await page.locator('tr.differs').first().textContent()) ?? '').toContain('lr');
    await page.locator('.metric-chart[data-metric="loss"] .chart[data-drawn="true"]').waitFor();
    await shot('compare', true);
  });

  it('a run: params, tags edited, description, charts and artifact previews', async () => {
    const id = seeded.runIds[0] as string;
    await open(`#/runs/${id}`);
    await page.getByRole('table', { name: 'Parameters' }).waitFor();
    await expect.poll(async () => (await page.getByRole('table', { name: 'Parameters' }).textContent()) ?? '').toContain('optimizer');
    await page.getByLabel('Tag key').fill('reviewed');
    await page.getByLabel('Tag value').fill('yes');
    await page.getByRole('button', { name: 'Set tag' }).click();
    await expect.poll(async () => (await page.getByRole('table', { name: 'Tags' }).textContent()) ?? '').toContain('reviewed');
    // Edit copies the row into the form; setting it again replaces the value.
    await page.getByRole('button', { name: 'Edit tag reviewed' }).click();
    await expect.poll(() => page.getByLabel('Tag key').inputValue()).toBe('reviewed');
    await page.getByLabel('Tag value').fill('twice');
    await page.getByRole('button', { name: 'Set tag' }).click();
    await expect.poll(async () => (await page.getByRole('table', { name: 'Tags' }).textContent()) ?? '').toContain('twice');
    await page.getByLabel('Description').fill('Baseline run.');
    await page.getByRole('button', { name: 'Save description' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Save description' }).isDisabled()).toBe(true);
    await shot('run');
    // The tabs by keyboard: the selected tab is the Tab stop, arrows move and select.
    await page.getByRole('tab', { name: 'Overview' }).focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => page.getByRole('tab', { name: /Charts/ }).getAttribute('aria-selected')).toBe('true');
    await expect.poll(() => page.locator(':focus').textContent()).toMatch(/^Charts/);
    await page.keyboard.press('ArrowLeft');
    await expect.poll(() => page.getByRole('tab', { name: 'Overview' }).getAttribute('aria-selected')).toBe('true');
    await page.getByRole('tab', { name: /Charts/ }).click();
    await page.locator('.metric-chart[data-metric="loss"] .chart[data-drawn="true"]').waitFor();
    await shot('run-charts');
    await page.getByRole('tab', { name: 'Artifacts' }).click();
    await page.getByRole('button', { name: /config\.json/ }).click();
    await expect.poll(async () => (await page.locator('.preview-text').textContent()) ?? '').toContain('"layers": 12');
    await page.getByRole('button', { name: /metrics\.csv/ }).click();
    await expect.poll(async () => (await page.locator('.preview-table th').first().textContent())?.trim()).toBe('step');
    await expect.poll(() => page.locator('.preview-table tbody tr').count()).toBe(2);
    await page.getByRole('button', { name: /^▸ plots/ }).click();
    await page.getByRole('button', { name: /confusion\.png/ }).click();
    await expect
      .poll(() => page.locator('img.preview-image').evaluate((img) => (img as unknown as { naturalWidth: number }).naturalWidth))
      .toBe(240);
    await shot('artifacts');
    await page.getByRole('button', { name: /^▸ logs/ }).click();
    await page.getByRole('button', { name: /train\.log/ }).click();
    await expect.poll(async () => (await page.locator('.preview-text').textContent()) ?? '').toContain('epoch 2');
    const download = page.getByRole('link', { name: 'Download' });
    expect(await download.getAttribute('href')).toContain('get-artifact?run_id=');
  });

  it('a run: a Vega-Lite figure artifact is drawn as a chart, under the CSP, Vega loaded only then', async () => {
    const { runId, json, html } = await seedFigure(seeded);
    const before = problems.length;
    const violations: string[] = [];
    const onConsole = (m: ConsoleMessage) => {
      if (/Content.Security.Policy|unsafe-eval/i.test(m.text())) violations.push(m.text());
    };
    const scripts: string[] = [];
    const onRequest = (r: Request) => {
      if (r.resourceType() === 'script') scripts.push(new URL(r.url()).pathname);
    };
    page.on('console', onConsole);
    page.on('request', onRequest);
    try {
      // A full load (not a hash change of the previous test's page), so the scripts seen are all of it.
      await page.goto('about:blank');
      await open(`#/runs/${runId}`);
      await page.getByRole('tab', { name: 'Artifacts' }).click();
      await page.getByRole('button', { name: /^▸ figures/ }).click();
      // The first load did not bring Vega: its chunk is requested when a figure is opened.
      const isVegaChunk = (path: string) => /\/assets\/render-[^/]*\.js$/.test(path);
      expect(scripts.filter(isVegaChunk)).toEqual([]);
      for (const file of [json, html]) {
        const name = file.split('/').pop() as string;
        await page.getByRole('button', { name: new RegExp(name.replace('.', '\\.')) }).click();
        const figure = page.locator(`.preview-figure[data-path="${file}"][data-drawn="true"]`);
        await figure.waitFor();
        // One bar per datum, with a size: the marks were drawn, not just an empty SVG.
        const bars = figure.locator('svg g.mark-rect path');
        await expect.poll(() => bars.count()).toBe(FIGURE_BARS.length);
        const widths = await bars.evaluateAll((paths) =>
          paths.map((p) => (p as unknown as { getBBox(): { width: number } }).getBBox().width),
        );
        expect(widths.every((w) => w > 0)).toBe(true);
        // The sort and the calculate transform ran: expressions, evaluated by the interpreter.
        await expect
          .poll(async () => (await figure.locator('svg .role-axis-label text').allTextContents()).slice(0, 4))
          .toEqual(['cat', 'dog', 'bird', 'fish']);
        expect(await bars.evaluateAll((paths) => paths.map((p) => p.getAttribute('aria-label')))).toContain('class: cat; recall (%): 92');
        expect(await figure.locator('svg').textContent()).toContain('Recall by class');
      }
      await shot('figure');
      expect(scripts.filter(isVegaChunk)).toHaveLength(1);
      expect(violations).toEqual([]);
      expect(problems.slice(before)).toEqual([]);
    } finally {
      page.off('console', onConsole);
      page.off('request', onRequest);
    }
  });

  it('a long history arrives bucketed and is drawn with its min/max band', async () => {
    await open(`#/runs/${seeded.longRunId}`);
    await page.getByRole('tab', { name: /Charts/ }).click();
    const figure = page.locator('.metric-chart[data-metric="noisy_loss"]');
    await figure.locator('.chart[data-drawn="true"]').waitFor();
    await expect
      .poll(async () => (await figure.locator('figcaption').textContent()) ?? '')
      .toMatch(/20,000 points, shown as 1,\d{3} min\/max buckets/);
    await shot('run-long-history');
    await page.getByLabel('X axis').selectOption('timestamp');
    await expect.poll(async () => (await figure.locator('figcaption').textContent()) ?? '').toContain('min/max buckets');
    await figure.locator('.chart[data-drawn="true"]').waitFor();
  });

  it('a running run follows its metrics live, the chart kept on screen between refreshes', async () => {
    const client = new Client({ trackingUri: seeded.server.url });
    // In an experiment of its own: the other tests count the seeded experiment's runs.
    const run = await client.createRun(await client.createExperiment('live'), { runName: 'still-training' });
    const id = run.info.runId;
    await client.logBatch(id, { metrics: [{ key: 'live_loss', value: 1, timestamp: Date.now(), step: 0 }] });
    await open(`#/runs/${id}`);
    await page.getByText(/refreshing every \d+ s/).waitFor();
    await page.getByRole('tab', { name: /Charts/ }).click();
    const figure = page.locator('.metric-chart[data-metric="live_loss"]');
    await expect.poll(async () => (await figure.locator('figcaption').textContent()) ?? '').toContain('1 point');
    await figure.locator('.chart[data-drawn="true"]').waitFor();
    await client.logBatch(id, { metrics: [1, 2].map((s) => ({ key: 'live_loss', value: 1 / (s + 1), timestamp: Date.now(), step: s })) });
    await expect.poll(async () => (await figure.locator('figcaption').textContent()) ?? '', { timeout: 15_000 }).toContain('3 points');
    expect(await figure.locator('.placeholder').count()).toBe(0);
    // Finished: the page stops refreshing.
    await client.setTerminated(id, 'FINISHED');
    await expect.poll(() => page.getByText(/refreshing every/).count(), { timeout: 15_000 }).toBe(0);
  });

  it('registry: models, versions, stages and aliases with their runs', async () => {
    await open('#/models');
    await page.getByRole('link', { name: 'classifier' }).click();
    const versions = page.getByRole('table', { name: 'Model versions' });
    await expect.poll(() => versions.locator('tbody tr').count()).toBe(2);
    await expect.poll(async () => (await versions.textContent()) ?? '').toContain('@champion');
    await expect.poll(() => page.getByLabel('Stage of version 2').inputValue()).toBe('Production');
    await page.getByLabel('Stage of version 1').selectOption('Staging');
    await expect.poll(() => page.getByLabel('Stage of version 1').inputValue()).toBe('Staging');
    await page.getByLabel('Alias', { exact: true }).fill('candidate');
    await page.getByLabel('Alias version').selectOption('1');
    await page.getByRole('button', { name: 'Set alias' }).click();
    await expect.poll(async () => (await versions.locator('tr', { hasText: 'v1' }).first().textContent()) ?? '').toContain('@candidate');
    await page.getByRole('button', { name: 'Remove alias candidate' }).click();
    await expect.poll(async () => (await versions.textContent()) ?? '').not.toContain('@candidate');
    await page.getByLabel('Model tag key').fill('task');
    await page.getByLabel('Model tag value').fill('classification');
    await page.getByRole('button', { name: 'Set tag' }).click();
    await expect.poll(async () => (await page.getByRole('table', { name: 'Model tags' }).textContent()) ?? '').toContain('classification');
    await page.getByRole('button', { name: 'Delete model tag task' }).click();
    await page.getByText('No model tags yet.').waitFor();
    await page.getByLabel('Model description').fill('Classifies images.');
    await page.getByRole('button', { name: 'Save description' }).click();
    await expect.poll(() => page.getByRole('button', { name: 'Save description' }).isDisabled()).toBe(true);
    await expect.poll(() => page.getByLabel('Model description').inputValue()).toBe('Classifies images.');
    await page.getByRole('button', { name: 'Edit description of version 2' }).click();
    await page.getByLabel('Description of version 2').fill('Trained on the full set.');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    await expect.poll(async () => (await versions.textContent()) ?? '').toContain('Trained on the full set.');
    await shot('model');
    await versions.getByRole('link').first().click();
    await page.getByRole('table', { name: 'Parameters' }).waitFor();
    await open('#/models');
    await expect
      .poll(async () => (await page.getByRole('table', { name: 'Registered models' }).textContent()) ?? '')
      .toContain('@champion');
    await shot('models');
  });

  it('logged models: the Models tab sorts by a metric and filters, a model shows its params and artifacts', async () => {
    const zoo = await seedLoggedModels(seeded);
    const byAccuracy = [...zoo.accuracy].sort((a, b) => b[1] - a[1]).map(([name]) => name);
    // A fresh document: a hash change keeps the last one, and with it the caret test's observer,
    // which reads the runs filter box this page does not have.
    await page.goto('about:blank');
    await open(`#/experiments/${zoo.experimentId}`);
    await page.getByRole('navigation', { name: 'Experiment views' }).getByRole('link', { name: 'Models' }).click();
    const table = page.getByRole('table', { name: 'Logged models' });
    const rows = table.locator('tbody tr[data-model-id]');
    const names = () => rows.locator('td:first-child').allTextContents();
    await expect.poll(() => rows.count()).toBe(zoo.modelIds.size);
    // Newest first, then by the latest accuracy: descending, and ascending on the second click.
    await expect.poll(names).toEqual([...zoo.modelIds.keys()].reverse());
    await expect.poll(async () => (await table.locator('thead').textContent()) ?? '').toContain('accuracy');
    const sorted = page.waitForResponse(
      (r) => r.url().endsWith('/logged-models/search') && JSON.stringify(r.request().postDataJSON()).includes('metrics.accuracy'),
    );
    await table.getByRole('button', { name: /accuracy/ }).click();
    expect((await sorted).status()).toBe(200);
    await expect.poll(names).toEqual(byAccuracy);
    await table.getByRole('button', { name: /accuracy/ }).click();
    await expect.poll(names).toEqual([...byAccuracy].reverse());
    expect(await table.locator('th[aria-sort="ascending"]').textContent()).toContain('accuracy');
    await shot('logged-models');

    const box = page.getByLabel('Filter models');
    // A filter the server refuses: its message and caret under the box, the rows kept.
    const bad = 'metrics.accuracy >';
    await box.fill(bad);
    const refused = page.waitForResponse((r) => r.url().endsWith('/logged-models/search') && filterOf(r.request()) === bad);
    expectedFailure = /logged-models\/search$/;
    try {
      await box.press('Enter');
      expect((await refused).status()).toBe(400);
      await page.locator(`#filter-error[data-filter=${JSON.stringify(bad)}]`).waitFor();
    } finally {
      expectedFailure = undefined;
    }
    expect(await page.locator('#filter-error pre.caret').count()).toBe(1);
    expect(await rows.count()).toBe(zoo.modelIds.size);
    const good = 'metrics.accuracy > 0.8';
    await box.fill(good);
    await box.press('Enter');
    const high = [...byAccuracy].reverse().filter((n) => (zoo.accuracy.get(n) ?? 0) > 0.8);
    await expect.poll(names).toEqual(high);
    await expect.poll(() => page.locator('#filter-error').count()).toBe(0);
    expect(new URL(page.url()).hash).toBe(`#/experiments/${zoo.experimentId}/models?filter=metrics.accuracy+%3E+0.8`);

    // The registered one opens with its params, metrics, the MLmodel summary and its registered version.
    await page.getByRole('button', { name: 'Clear' }).click();
    await expect.poll(() => rows.count()).toBe(zoo.modelIds.size);
    await table.getByRole('link', { name: 'zoo-0', exact: true }).click();
    const modelId = zoo.modelIds.get('zoo-0') as string;
    await expect.poll(() => new URL(page.url()).hash).toBe(`#/experiments/${zoo.experimentId}/models/${modelId}`);
    const params = page.getByRole('table', { name: 'Parameters' });
    await expect.poll(async () => (await params.textContent()) ?? '').toContain('depth');
    await expect.poll(async () => (await page.getByRole('table', { name: 'Metrics' }).textContent()) ?? '').toContain('0.71');
    await expect.poll(async () => (await page.locator('.model-flavors').textContent()) ?? '').toContain('js_function');
    await page.getByRole('link', { name: `${zoo.registeredName} v1` }).waitFor();
    expect(await page.locator('a.source-run').textContent()).toBe('train-zoo-0');
    await shot('logged-model', true);
    await page.getByRole('tab', { name: 'Artifacts' }).click();
    await page.getByRole('button', { name: /^MLmodel/ }).click();
    await page.locator('.artifact-preview [data-preview-kind="model"]').waitFor();
    await page.getByRole('button', { name: /^input_example\.json/ }).click();
    await expect.poll(async () => (await page.locator('.artifact-preview .preview-text').textContent()) ?? '').toContain('1.5');
    const download = page.locator('.artifact-preview').getByRole('link', { name: 'Download' });
    expect(await download.getAttribute('href')).toContain(`logged-models/${modelId}/artifacts/files?artifact_file_path=`);

    // The registry's version leads back to the model.
    await open(`#/models/${zoo.registeredName}`);
    await page.getByRole('link', { name: 'Logged model of version 1' }).click();
    await expect.poll(async () => (await page.getByRole('table', { name: 'Parameters' }).textContent()) ?? '').toContain('lr');
  });

  it('switches to the dark theme and keeps it', async () => {
    await open(`#/experiments/${seeded.experimentId}`);
    await page.getByRole('button', { name: /dark theme/ }).click();
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('dark');
    await expect.poll(() => page.locator('tr[data-run-id]').count()).toBe(seeded.runIds.length);
    await shot('runs-dark');
    await page.reload();
    await expect.poll(() => page.locator('html').getAttribute('data-theme')).toBe('dark');
    await page.getByRole('button', { name: /light theme/ }).click();
  });

  it("shows the server's message for a run that does not exist, and a not-found page for a bad link", async () => {
    expectedFailure = /runs\/get\?/;
    await open('#/runs/0123456789abcdef0123456789abcdef');
    await expect.poll(async () => (await page.getByRole('alert').textContent()) ?? '').toContain('RESOURCE_DOES_NOT_EXIST');
    expectedFailure = undefined;
    await open('#/no/such/page');
    await expect.poll(async () => (await page.locator('main').textContent()) ?? '').toContain('Nothing at');
    await expect.poll(() => page.title()).toBe('Not found · labbook');
    await open('#/compare');
    await expect.poll(async () => (await page.locator('main').textContent()) ?? '').toContain('Select runs');
  });

  it('works under a static prefix: every URL it uses is relative', async () => {
    const prefixed = await startServer({
      port: 0,
      logger: false,
      backendStoreUri: join(seeded.root, 'mlruns'),
      artifactsDestination: join(seeded.root, 'mlartifacts'),
      staticPrefix: '/mlflow',
    });
    try {
      expect(prefixed.url).toMatch(/\/mlflow$/);
      await page.goto(`${prefixed.url}/#/experiments/${seeded.experimentId}`);
      await expect.poll(() => page.locator('tr[data-run-id]').count()).toBe(seeded.runIds.length);
      await page.goto(`${prefixed.url}/#/runs/${seeded.runIds[0]}`);
      await page.getByRole('tab', { name: 'Artifacts' }).click();
      await page.getByRole('button', { name: /config\.json/ }).click();
      await expect.poll(async () => (await page.locator('.preview-text').textContent()) ?? '').toContain('"layers": 12');
    } finally {
      await prefixed.close();
    }
  });

  it('saw no console errors and no request leave the machine', () => {
    // A 5xx is reported with what the server logged for it, so a rare one can be diagnosed from CI.
    const withCauses = problems.map((p) =>
      /^HTTP 5\d\d/.test(p) ? `${p}\n  server log: ${seeded.serverErrors.join('').slice(0, 4000)}` : p,
    );
    expect(withCauses).toEqual([]);
  });
});
