export async function runBench(_args: string[]): Promise<number> {
  process.stderr.write('stormshift bench: not built yet\n');
  return 2;
}
