/**
 * A throwaway user project in a temp directory: package.json, tsconfig.json and
 * node_modules/stormshift linked to this checkout, so generated topologies import
 * 'stormshift/compat' exactly as a user's code does.
 */
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';

const repo = resolve(import.meta.dirname, '../../..');

export interface UserProject {
  readonly root: string;
  write(path: string, text: string): string;
  remove(): void;
}

export function userProject(): UserProject {
  const root = mkdtempSync(join(tmpdir(), 'stormshift-user-'));
  writeFileSync(
    join(root, 'package.json'),
    `${JSON.stringify({ name: 'user-topologies', private: true, type: 'module' }, null, 2)}\n`,
  );
  writeFileSync(
    join(root, 'tsconfig.json'),
    `${JSON.stringify(
      {
        compilerOptions: {
          target: 'ES2022',
          module: 'NodeNext',
          moduleResolution: 'NodeNext',
          strict: true,
          noEmit: true,
          allowImportingTsExtensions: true,
          skipLibCheck: true,
        },
        include: ['**/*.ts'],
      },
      null,
      2,
    )}\n`,
  );
  mkdirSync(join(root, 'node_modules'));
  symlinkSync(repo, join(root, 'node_modules', 'stormshift'), 'dir');
  return {
    root,
    write(path, text) {
      const file = join(root, path);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
      return file;
    },
    remove() {
      rmSync(root, { recursive: true, force: true });
    },
  };
}
