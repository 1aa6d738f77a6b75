/**
 * Where the report says the order per key may differ (SS010: a keyed bolt fed by parallel tasks),
 * verify compares that bolt's output as the last value per key: a running sum behind two spout
 * tasks emits its partial sums in an order that depends on how the tasks interleave, but the last
 * sum per key is the same on both sides; a rewrite that loses a record still differs, and the
 * verdict shows the differing last values.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lastPerKeyOf, runMigrate } from '../../../cli/migrate.ts';
import { migrate } from '../../../transpiler/index.ts';
import { formatVerdicts, verifyTopology } from '../../../transpiler/verify/index.ts';
import { removeSandbox, sandbox } from '../sandbox.ts';

const fixture = (name: string): string => resolve(import.meta.dirname, 'fixtures', name);
const STORM = readFileSync(fixture('keyed-sum.storm.ts'), 'utf8').replace("'../../../../compat/", "'../compat/");

let dir: string;

beforeAll(() => {
  dir = sandbox();
  mkdirSync(join(dir, 'src'));
  writeFileSync(join(dir, 'src', 'keyed-sum.ts'), STORM);
});

afterAll(() => removeSandbox(dir));

// The timeout only catches a hang: each verification starts compat and native processes, slow on a loaded machine.
describe('verify: last value per key where the report says order may differ', { timeout: 300_000 }, () => {
  it('the report marks the keyed bolt behind parallel tasks with its key fields (SS010)', async () => {
    const result = await migrate({ paths: ['src'], cwd: dir });
    const finding = result.report.files.flatMap((f) => f.findings).find((f) => f.code === 'SS010');
    expect(finding).toMatchObject({ rule: 'job', status: 'converted', construct: 'sum', lastPerKey: ['key'] });
    expect(finding!.reason).toContain("parallel tasks ('relay')");
    expect(lastPerKeyOf(result)).toEqual(new Map([[join(dir, 'src', 'keyed-sum.ts'), new Map([['sum', ['key']]])]]));
  });

  it('says equal when the last sum per key agrees, comparing what reached the bolt as a multiset', async () => {
    const v = await verifyTopology({
      original: fixture('keyed-sum.storm.ts'),
      rewrite: fixture('keyed-sum.native.ts'),
      records: 60,
      lastPerKey: new Map([['sum', ['key']]]),
    });
    expect(v.status, formatVerdicts([v])).toBe('equal');
    const sum = v.sinks.filter((s) => s.component === 'sum');
    expect(sum.map((s) => [s.what, s.compare])).toEqual([
      ['input', 'multiset'],
      [{ stream: 'default' }, 'last-per-key'],
    ]);
    expect(formatVerdicts([v])).toContain(
      "same 'sum' (emits on 'default'): 60 original, 60 rewrite (last value per key of key)",
    );
  });

  it('says different when a last value differs, and prints the differing last records of each side', async () => {
    const v = await verifyTopology({
      original: fixture('keyed-sum.storm.ts'),
      rewrite: fixture('keyed-sum.broken.ts'),
      records: 60,
      lastPerKey: new Map([['sum', ['key']]]),
    });
    expect(v.status).toBe('different');
    const diff = v.sinks.find((s) => !s.equal)!;
    expect(diff).toMatchObject({ component: 'sum', what: { stream: 'default' }, compare: 'last-per-key' });
    // The broken rewrite drops the records of key c with n = 4 (2 after the relay doubled it): only c's last sum differs.
    expect(diff.onlyInOriginal).toEqual([{ key: 'c', sum: expect.any(Number) }]);
    expect(diff.onlyInRewrite).toEqual([{ key: 'c', sum: expect.any(Number) }]);
    const [original, rewrite] = [diff.onlyInOriginal[0], diff.onlyInRewrite[0]] as Array<{ sum: number }>;
    expect(original!.sum - rewrite!.sum).toBeGreaterThan(0);
    expect((original!.sum - rewrite!.sum) % 4).toBe(0);
    const [total, lost] = [original!.sum, rewrite!.sum];
    const text = formatVerdicts([v]);
    expect(text).toMatch(/^DIFFERENT/);
    expect(text).toContain(`only in original: {"key":"c","sum":${total}}`);
    expect(text).toContain(`only in rewrite:  {"key":"c","sum":${lost}}`);
  });

  it('migrate --verify passes the report to verify: the migration of the topology verifies equal, exit 0', async () => {
    let out = '';
    const previous = process.cwd();
    process.chdir(dir);
    try {
      const code = await runMigrate(
        ['src'],
        { verify: true, write: true, allowDirty: true },
        { out: (s) => (out += s), err: () => {}, tty: false },
      );
      expect(code, out).toBe(0);
    } finally {
      process.chdir(previous);
    }
    expect(out).toMatch(/^EQUAL {2}src\/keyed-sum\.ts/m);
    expect(out).toContain('(last value per key of key)');
  });
});
