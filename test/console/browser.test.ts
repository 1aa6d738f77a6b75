/**
 * The console in a real headless Chromium (Debian `chromium`, driven by playwright-core): the page
 * shows the API's numbers, a slowed bolt turns its upstream high within two refreshes, and a job
 * stopped with a savepoint from the page and restarted from it (through `stormshift console`)
 * resumes its count. The tests wait on page refreshes, files and processes, never on time; they
 * write the README's screenshots to docs/images.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it, onTestFailed } from 'vitest';
import { LocalCluster, TopologyBuilder } from '../../compat/index.ts';
import { RuntimeMetrics } from '../../runtime/index.ts';
import {
  JobSet,
  startConsoleServer,
  startStandaloneConsole,
  systemClock,
  type ConsoleServer,
} from '../../console/index.ts';
import { FnBolt, FnSpout, counterSpout } from '../compat/executor/fn-components.ts';

/** The page's globals, as the functions evaluated inside the browser use them (no DOM lib here). */
declare const document: {
  body: { dataset: Record<string, string | undefined> };
  querySelector(selector: string): { getAttribute(name: string): string | null; textContent: string | null } | null;
  querySelectorAll(selector: string): Iterable<{ value: string }>;
};

const CHROMIUM = '/usr/bin/chromium';
const ROOT = resolve(import.meta.dirname, '../..');
// The README's screenshots: refreshed with STORMSHIFT_UPDATE_SCREENSHOTS=1, otherwise written to .tmp so
// a test run leaves the tree clean.
const IMAGES =
  process.env.STORMSHIFT_UPDATE_SCREENSHOTS === '1' ? join(ROOT, 'docs/images') : join(ROOT, '.tmp/screenshots');
mkdirSync(IMAGES, { recursive: true });
const work = mkdtempSync(join(tmpdir(), 'stormshift-browser-'));
let browser: Browser;

beforeAll(async () => {
  if (!existsSync(CHROMIUM))
    throw new Error(`${CHROMIUM} not found: install the Debian package chromium (apt-get install chromium)`);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  rmSync(work, { recursive: true, force: true });
});

/** Waits for the page's next refresh after the current one. */
async function nextRefresh(page: Page): Promise<number> {
  const now = Number(await page.evaluate(() => document.body.dataset.refreshes ?? '0'));
  await page.waitForFunction((n) => Number(document.body.dataset.refreshes ?? '0') > n, now, { timeout: 0 });
  return now + 1;
}

const cellTexts = (page: Page, selector: string) => page.locator(selector).allTextContents();

describe('web console in headless Chromium', () => {
  it('shows the API numbers on the Storm topology page and the job page', async () => {
    const cluster = new LocalCluster({ metrics: new RuntimeMetrics() });
    let acked = 0;
    let allAcked!: () => void;
    const settled = new Promise<void>((resolve) => (allAcked = resolve));
    const b = new TopologyBuilder();
    b.setSpout('numbers', counterSpout(40, { onAck: () => ++acked === 40 && allAcked() }), 1);
    b.setBolt(
      'double',
      new FnBolt({ execute: (t, c) => (c.emit(t, [Number(t.getValue(0)) * 2]), c.ack(t)) }, { default: ['v'] }),
      2,
    ).shuffleGrouping('numbers');
    b.setBolt('sink', new FnBolt({ execute: (t, c) => c.ack(t) }), 1).shuffleGrouping('double');
    await cluster.submitTopology('shown', {}, b.createTopology());
    const jobs = new JobSet(systemClock);
    const job = jobs.add({
      handle: cluster.getTopologyJob('shown')!,
      storm: { run: cluster.getTopologyRun('shown')!, cluster },
    });
    const server = await startConsoleServer({ jobs, port: 0 });
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    try {
      // Every tree complete: the numbers below are final.
      await settled;
      await page.goto(`${server.url}/?refresh=1000#/topology/${encodeURIComponent(job.id)}`);
      // Every tuple is acked, so any render of this page shows the final numbers: wait for one. (A
      // finished topology's numbers do not change, so no further live update would come.)
      await page.locator('[data-testid="spouts"] tr[data-component="numbers"]').waitFor({ timeout: 0 });
      const api = (await (await fetch(`${server.url}/api/v1/topology/${encodeURIComponent(job.id)}`)).json()) as {
        spouts: Array<Record<string, unknown>>;
        bolts: Array<Record<string, unknown>>;
      };
      for (const s of api.spouts) {
        for (const field of ['emitted', 'transferred', 'acked', 'failed']) {
          expect(
            await cellTexts(page, `[data-testid="spouts"] tr[data-component="${s.spoutId}"] [data-field="${field}"]`),
          ).toEqual([String(s[field])]);
        }
      }
      expect(api.spouts[0]!.acked).toBe(40);
      for (const bolt of api.bolts) {
        for (const field of ['emitted', 'transferred', 'executed', 'acked', 'failed']) {
          expect(
            await cellTexts(page, `[data-testid="bolts"] tr[data-component="${bolt.boltId}"] [data-field="${field}"]`),
          ).toEqual([String(bolt[field])]);
        }
      }
      await page.screenshot({ path: join(IMAGES, 'console-topology.png'), fullPage: true });

      await page.goto(`${server.url}/?refresh=1000#/job/${encodeURIComponent(job.id)}`);
      await page.locator('[data-testid="vertices"] tr[data-vertex]').first().waitFor({ timeout: 0 });
      const detail = (await (await fetch(`${server.url}/jobs/${encodeURIComponent(job.id)}`)).json()) as {
        vertices: Array<{ id: string; metrics: Record<string, number> }>;
      };
      for (const v of detail.vertices) {
        expect(
          await cellTexts(page, `[data-testid="vertices"] tr[data-vertex="${v.id}"] [data-field="read-records"]`),
        ).toEqual([String(v.metrics['read-records'])]);
        expect(
          await cellTexts(page, `[data-testid="vertices"] tr[data-vertex="${v.id}"] [data-field="write-records"]`),
        ).toEqual([String(v.metrics['write-records'])]);
      }
    } finally {
      await page.close();
      await server.close();
      await cluster.shutdown();
    }
  });

  it('live updates by Server-Sent Events change a number on the page without a reload; ?live=poll polls', async () => {
    // The spout emits only as many tuples as the test allows, so the page's number changes when the test says.
    let allowed = 10;
    const cluster = new LocalCluster({ metrics: new RuntimeMetrics() });
    const b = new TopologyBuilder();
    b.setSpout(
      'gated',
      new FnSpout(
        {
          next(_ctx, c) {
            const self = this as unknown as { i?: number };
            const i = self.i ?? 0;
            if (i >= allowed) return;
            self.i = i + 1;
            c.emit([i]);
          },
        },
        { default: ['v'] },
      ),
      1,
    );
    b.setBolt('sink', new FnBolt({ execute: () => {} }), 1).shuffleGrouping('gated');
    await cluster.submitTopology('live', { 'topology.acker.executors': 0 }, b.createTopology());
    const jobs = new JobSet(systemClock);
    const job = jobs.add({
      handle: cluster.getTopologyJob('live')!,
      storm: { run: cluster.getTopologyRun('live')!, cluster },
    });
    const server = await startConsoleServer({ jobs, port: 0 });
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const emitted = '[data-testid="spouts"] tr[data-component="gated"] [data-field="emitted"]';
    const shows = (text: string) =>
      page.waitForFunction(
        ([sel, want]) =>
          document.querySelector(sel!)?.textContent === want
            ? { cause: document.body.dataset.lastUpdate, marker: document.body.dataset.marker ?? null }
            : false,
        [emitted, text],
        { timeout: 0 },
      );
    try {
      await page.goto(`${server.url}/?refresh=500#/topology/${encodeURIComponent(job.id)}`);
      await page.locator('body[data-live="sse"]').waitFor({ timeout: 0 });
      expect(await page.textContent('[data-testid="live-mode"]')).toBe('live');
      await shows('10');
      // A reload would drop this mark.
      await page.evaluate(() => {
        document.body.dataset.marker = 'same page';
      });
      allowed = 25;
      const seen = (await (await shows('25')).jsonValue()) as { cause: string; marker: string | null };
      expect(seen).toEqual({ cause: 'sse', marker: 'same page' });

      // Without Server-Sent Events the page polls, and shows the change too.
      await page.goto(`${server.url}/?refresh=500&live=poll#/topology/${encodeURIComponent(job.id)}`);
      await shows('25');
      expect(await page.getAttribute('body', 'data-live')).toBe('poll');
      expect(await page.textContent('[data-testid="live-mode"]')).toBe('polling every 0.5 s');
      await page.evaluate(() => {
        document.body.dataset.marker = 'polled page';
      });
      allowed = 40;
      const polled = (await (await shows('40')).jsonValue()) as { cause: string; marker: string | null };
      expect(polled).toEqual({ cause: 'poll', marker: 'polled page' });
    } finally {
      await page.close();
      await server.close();
      await cluster.shutdown();
    }
  });

  it('a slowed bolt turns its upstream high in every refresh whose ratios cover only time after the slowdown', async () => {
    let boltSpinMs = 0;
    const spin = (ms: number) => {
      const end = performance.now() + ms;
      while (performance.now() < end);
    };
    const cluster = new LocalCluster({ metrics: new RuntimeMetrics() });
    const b = new TopologyBuilder();
    // The spout costs ~30 µs a tuple, more than the bolt until the bolt is slowed.
    b.setSpout('events', new FnSpout({ next: (_ctx, c) => (spin(0.03), c.emit([1])) }, { default: ['v'] }), 1);
    b.setBolt('slow', new FnBolt({ execute: () => spin(boltSpinMs) }), 1).shuffleGrouping('events');
    await cluster.submitTopology('slowing', { 'topology.acker.executors': 0 }, b.createTopology());
    // Ratios over 900 ms of history, below the 1 s refresh used here (as 2 s is below the page's
    // default 3 s): every refresh's ratios then cover only time after the previous refresh.
    const jobs = new JobSet(systemClock, 900);
    const job = jobs.add({
      handle: cluster.getTopologyJob('slowing')!,
      storm: { run: cluster.getTopologyRun('slowing')!, cluster },
    });
    const server = await startConsoleServer({ jobs, port: 0 });
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const spoutNode = '[data-testid="node-0"]';
    try {
      // 1 s refreshes keep this CPU-burning test short. The refresh after the slowdown starts after
      // it, so the next one's ratios (900 ms behind it, less than the gap) describe only the slowed bolt.
      // Polling: each refresh renders 1 s after the previous one ended. With the event stream an update
      // that arrives during a render queues one more right after it, so refreshes would not be evenly spaced.
      await page.goto(`${server.url}/?refresh=1000&live=poll#/job/${encodeURIComponent(job.id)}`);
      // Before: the spout is the bottleneck, nothing holds it back.
      for (;;) {
        await nextRefresh(page);
        if ((await page.getAttribute(spoutNode, 'data-level')) === 'ok') break;
      }
      boltSpinMs = 1;
      const slowedAt = Date.now();
      const slowedRefresh = Number(await page.evaluate(() => document.body.dataset.refreshes));
      // The first render whose ratios start after the slowdown (the API says what span they
      // cover): its graph and table, read together. On an idle machine that is the first or
      // second refresh after it; under load samples come late and it may be a later one.
      const seen = await page.waitForFunction(
        ({ sel, since }) =>
          Number(document.body.dataset.ratiosFrom || '0') >= since
            ? {
                refresh: Number(document.body.dataset.refreshes),
                graph: document.querySelector(sel)?.getAttribute('data-level'),
                table: document.querySelector('[data-testid="vertices"] tr[data-vertex="0"] [data-field="level"]')
                  ?.textContent,
              }
            : false,
        { sel: spoutNode, since: slowedAt },
        { timeout: 0 },
      );
      const { refresh, graph, table } = (await seen.jsonValue()) as { refresh: number; graph: string; table: string };
      expect(refresh).toBeGreaterThan(slowedRefresh);
      expect(graph).toBe('high');
      expect(table).toBe('high');
      await page.screenshot({ path: join(IMAGES, 'console-job.png'), fullPage: true });
    } finally {
      boltSpinMs = 0;
      await page.close();
      await server.close();
      await cluster.shutdown();
    }
  });

  it('stop with savepoint from the page, restart from it through stormshift console: the count resumes', async () => {
    const registry = join(work, 'registry');
    const counts = join(work, 'counts.txt');
    const checkpoints = join(work, 'checkpoints');
    const fixture = join(ROOT, 'test/fixtures/console/counting-job.ts');
    const previous = process.env.STORMSHIFT_REGISTRY_DIR;
    process.env.STORMSHIFT_REGISTRY_DIR = registry;
    const children: ChildProcess[] = [];
    const standalone: ConsoleServer = await startStandaloneConsole({ port: 0, logDir: work });
    const page = await browser.newPage({ viewport: { width: 1360, height: 900 } });
    const lines = () =>
      existsSync(counts) ? readFileSync(counts, 'utf8').split('\n').filter(Boolean).map(Number) : [];
    // Every wait names its step; a process that died, or an action that failed on the page, ends
    // the wait at once with its log instead of leaving the test to hang until its guard.
    const firstLog = join(work, 'first-run.log');
    let step = 'start';
    const logs = () =>
      readdirSync(work)
        .filter((f) => f.endsWith('.log'))
        .map((f) => `--- ${f}\n${readFileSync(join(work, f), 'utf8').slice(-4000)}`)
        .join('\n');
    onTestFailed(() => console.error(`browser savepoint test failed in step '${step}'\n${logs()}`));
    let firstExit: number | null | undefined;
    const alive = (pid: number | undefined) => {
      if (pid === undefined) return false;
      try {
        process.kill(pid, 0);
        return true;
      } catch {
        return false;
      }
    };
    const until = async (what: string, done: () => boolean, running: () => boolean) => {
      step = what;
      while (!done()) {
        if (!running()) throw new Error(`${what}: the job process ended first\n${logs()}`);
        await new Promise((r) => setTimeout(r, 50));
      }
    };
    /** The page's action result once it says anything: a failed action fails here, not by hanging. */
    const actionResult = async (what: string, expected: RegExp) => {
      step = what;
      await page.waitForFunction(
        () => (document.querySelector('[data-testid="action-result"]')?.textContent ?? '') !== '',
        null,
        { timeout: 0 },
      );
      const text = (await page.textContent('[data-testid="action-result"]')) ?? '';
      if (!expected.test(text)) throw new Error(`${what}: the page said '${text}'\n${logs()}`);
      return text;
    };
    try {
      const log = openSync(firstLog, 'a');
      const first = spawn(
        process.execPath,
        [join(ROOT, 'cli/bin.js'), 'run', fixture, '--ui-port', '0', '-q', '--', counts, checkpoints],
        {
          env: { ...process.env, STORMSHIFT_REGISTRY_DIR: registry },
          stdio: ['ignore', log, log],
        },
      );
      closeSync(log);
      children.push(first);
      const exited = new Promise<number | null>((r) => first.once('exit', (code) => r((firstExit = code))));
      const firstRunning = () => firstExit === undefined;
      await page.goto(`${standalone.url}/?refresh=1000#/`);
      // The run registers itself; the standalone list links to its own console.
      const link = page.locator('[data-testid="job-list"] a', { hasText: 'counting' });
      step = 'the run is listed';
      await Promise.race([
        link.waitFor({ timeout: 0 }),
        exited.then((code) => {
          throw new Error(`the run exited with ${code} before it was listed\n${logs()}`);
        }),
      ]);
      await until('counts written', () => lines().length >= 100, firstRunning);
      await link.click();
      step = 'the stop button';
      await page.waitForSelector('[data-testid="btn-stop"]:not([disabled])', { timeout: 0 });
      await page.click('[data-testid="btn-stop"]');
      await page.click('#confirm-ok');
      const message = await actionResult('stop with savepoint', /savepoint at /);
      const savepoint = /savepoint at (\S+)/.exec(message)![1]!;
      expect(existsSync(savepoint)).toBe(true);
      step = 'the first run exits';
      expect(await exited).toBe(0);
      const before = lines();
      const lastBefore = before.at(-1)!;
      expect(before).toEqual(Array.from({ length: before.length }, (_, i) => i + 1));

      await page.goto(`${standalone.url}/?refresh=1000#/`);
      await page.fill('[data-testid="start-file"]', fixture);
      await page.fill('[data-testid="start-args"]', `${counts} ${checkpoints}`);
      step = 'the savepoint is offered';
      await page.waitForFunction(
        (p) => [...document.querySelectorAll('[data-testid="start-savepoint"] option')].some((o) => o.value === p),
        savepoint,
        { timeout: 0 },
      );
      step = 'choose the savepoint';
      await page.selectOption('[data-testid="start-savepoint"]', savepoint);
      await page.click('[data-testid="start-submit"]');
      await page.click('#confirm-ok');
      const started = await actionResult('start from the savepoint', /started pid (\d+)/);
      const pid = Number(/started pid (\d+)/.exec(started)![1]);
      await until(
        'counts after the restart',
        () => lines().length >= before.length + 20,
        () => alive(pid),
      );
      process.kill(pid, 'SIGTERM');
      const after = lines().slice(before.length);
      // The restarted job counts on from the savepoint's state: the stop ended the sources before
      // the savepoint, so it covers every count written, and nothing is counted twice.
      expect(after[0]!).toBe(lastBefore + 1);
      expect(after).toEqual(Array.from({ length: after.length }, (_, i) => after[0]! + i));
      await page.screenshot({ path: join(IMAGES, 'console-list.png'), fullPage: true });
    } finally {
      for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
      await page.close();
      await standalone.close();
      if (previous === undefined) delete process.env.STORMSHIFT_REGISTRY_DIR;
      else process.env.STORMSHIFT_REGISTRY_DIR = previous;
    }
    // Two `stormshift run` processes start (TypeScript loader included): a guard against a hang, not a speed bound.
  }, 240_000);
});
