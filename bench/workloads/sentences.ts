/**
 * The word-count input every variant reads: storm-starter's sentences in a fixed pseudo-random
 * order (the generator's own IndexedRandom, seed 42), as a table indexed by record number.
 */
import { IndexedRandom } from '../../runtime/index.ts';
import { SENTENCES, splitWords } from '../../samples/word-count/job.ts';
import type { Digest } from '../harness.ts';

export { SENTENCES, splitWords };

const TABLE_BITS = 16;
const MASK = (1 << TABLE_BITS) - 1;
const kinds = new Uint8Array(1 << TABLE_BITS);
const table: string[] = new Array<string>(1 << TABLE_BITS);
{
  const random = new IndexedRandom();
  for (let i = 0; i <= MASK; i++) {
    random.reseed(42, i);
    const kind = random.int(SENTENCES.length);
    kinds[i] = kind;
    table[i] = SENTENCES[kind]!;
  }
}

/** Sentence number `i` of the input (the table repeats; the order within it is pseudo-random). */
export function sentenceAt(i: number): string {
  return table[i & MASK]!;
}

const wordsOfKind: string[][] = SENTENCES.map((s) => {
  const words: string[] = [];
  splitWords(s, (w) => words.push(w));
  return words;
});

/** Words of the first `count` sentences, per word: the final counts every variant must reach. */
export function wordCounts(count: number): Map<string, number> {
  const perKind = new Float64Array(SENTENCES.length);
  const full = Math.floor(count / (MASK + 1));
  if (full > 0) for (let i = 0; i <= MASK; i++) perKind[kinds[i]!]! += full;
  for (let i = 0, rest = count - full * (MASK + 1); i < rest; i++) perKind[kinds[i]!]!++;
  const counts = new Map<string, number>();
  wordsOfKind.forEach((words, kind) => {
    for (const w of words) counts.set(w, (counts.get(w) ?? 0) + perKind[kind]!);
  });
  return counts;
}

/**
 * Reference digest of a running word count: one update per word, the checksum summing every
 * emitted count. Per word those are 1..n whatever the interleaving, so the sum is n(n+1)/2 per word.
 */
export function wordCountDigest(count: number): Digest {
  let records = 0;
  let checksum = 0;
  for (const n of wordCounts(count).values()) {
    records += n;
    checksum += (n * (n + 1)) / 2;
  }
  return { records, checksum };
}
