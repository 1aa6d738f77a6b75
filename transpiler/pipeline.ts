import type { MigrateOptions, MigrationResult } from './index.ts';

export async function runMigration(_options: MigrateOptions): Promise<MigrationResult> {
  throw new Error('stormshift migrate: under construction');
}
