import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { RULES } from '../../transpiler/plan/index.ts';
import { codesMarkdown } from '../../transpiler/report/codes-doc.ts';
import { REPO } from './sandbox.ts';

describe('docs/migrate-codes.md', () => {
  it('is the generated list of every finding code (regenerate: npx tsx transpiler/report/codes-doc.ts > docs/migrate-codes.md)', () => {
    expect(readFileSync(join(REPO, 'docs/migrate-codes.md'), 'utf8')).toBe(codesMarkdown());
  });

  it('codes are unique across rules', () => {
    const codes = RULES.flatMap((r) => Object.keys(r.codes));
    expect(new Set(codes).size).toBe(codes.length);
  });
});
