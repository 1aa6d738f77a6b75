/**
 * Workload 1, word count: storm-starter's sentences → split → running count per word (fields
 * grouping / keyBy) → a sink. Every variant emits one (word, count) update per word, as Storm's
 * WordCount bolt does, and the sink folds them into a digest checked against the reference.
 */
import { Readable, Transform, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { StreamEnvironment, type JobConfig, type SinkWriter } from '../../runtime/index.ts';
import { RunningCount } from '../../samples/word-count/job.ts';
import {
  pace,
  stamp,
  type ChildParams,
  type Digest,
  type LatencyHistogram,
  type RunRequest,
  type VariantImpl,
  type WorkloadModule,
} from '../harness.ts';
import { sentenceAt, splitWords, wordCountDigest } from './sentences.ts';

/** A sink writer folding (word, count) updates into a digest and, when stamped, latencies. */
export function digestWriter(latency: LatencyHistogram | undefined, digest: Digest): SinkWriter<[string, number]> {
  if (latency) {
    return {
      write(value, timestamp) {
        digest.records++;
        digest.checksum += value[1];
        latency.since(timestamp);
      },
    };
  }
  return {
    write(value) {
      digest.records++;
      digest.checksum += value[1];
    },
  };
}

/** The native job: the word-count sample's pipeline (keyed ValueState count) up to its counts. */
export function nativeWordCount(config: JobConfig = {}): VariantImpl {
  return {
    async run({ count, rate, latency }: RunRequest): Promise<Digest> {
      const digest: Digest = { records: 0, checksum: 0 };
      const env = StreamEnvironment.create({ jobName: 'bench-word-count', ...config });
      env
        .generate<string>({
          generate: (i) => sentenceAt(i),
          count,
          ...(rate !== undefined ? { ratePerSecond: rate, timestamp: stamp } : {}),
        })
        .flatMap<string>(splitWords, { name: 'split' })
        .keyBy((word) => word)
        .process<[string, number]>(new RunningCount(), { name: 'count' })
        .sinkTo({ createWriter: () => digestWriter(latency, digest) }, { name: 'digest' });
      await env.execute();
      return digest;
    },
  };
}

/** The limit: one loop, split by char codes, counts in a Map, the same per-word update. */
export function handLoopWordCount(): VariantImpl {
  return {
    async run({ count, rate, latency }: RunRequest): Promise<Digest> {
      const counts = new Map<string, number>();
      let records = 0;
      let checksum = 0;
      if (rate === undefined) {
        for (let i = 0; i < count; i++) {
          const s = sentenceAt(i);
          let start = 0;
          for (let j = 0, n = s.length; j <= n; j++) {
            if (j === n || s.charCodeAt(j) === 32) {
              if (j > start) {
                const word = s.slice(start, j);
                const c = (counts.get(word) ?? 0) + 1;
                counts.set(word, c);
                records++;
                checksum += c;
              }
              start = j + 1;
            }
          }
        }
        return { records, checksum };
      }
      let sentenceStamp = 0;
      const onWord = (word: string): void => {
        const c = (counts.get(word) ?? 0) + 1;
        counts.set(word, c);
        records++;
        checksum += c;
        latency!.since(sentenceStamp);
      };
      let next = 0;
      await new Promise<void>((resolve) =>
        pace(
          rate,
          count,
          (end) => {
            for (; next < end; next++) {
              sentenceStamp = stamp();
              splitWords(sentenceAt(next), onWord);
            }
          },
          resolve,
        ),
      );
      return { records, checksum };
    },
  };
}

/** A Node streams pipeline: object-mode Readable → split Transform → count Transform → Writable. */
function nodeStreamsWordCount(): VariantImpl {
  return {
    async run({ count, rate, latency }: RunRequest): Promise<Digest> {
      const counts = new Map<string, number>();
      const digest: Digest = { records: 0, checksum: 0 };
      const objectMode = { objectMode: true, highWaterMark: 1024 };
      if (rate === undefined) {
        let next = 0;
        const source = new Readable({
          ...objectMode,
          read() {
            while (next < count) if (!this.push(sentenceAt(next++))) return;
            this.push(null);
          },
        });
        const split = new Transform({
          ...objectMode,
          transform(sentence: string, _encoding, callback) {
            splitWords(sentence, (word) => this.push(word));
            callback();
          },
        });
        const counter = new Transform({
          ...objectMode,
          transform(word: string, _encoding, callback) {
            const c = (counts.get(word) ?? 0) + 1;
            counts.set(word, c);
            callback(null, [word, c]);
          },
        });
        const sink = new Writable({
          ...objectMode,
          write(update: [string, number], _encoding, callback) {
            digest.records++;
            digest.checksum += update[1];
            callback();
          },
        });
        await pipeline(source, split, counter, sink);
        return digest;
      }
      type Stamped = { text: string; t: number };
      const source = new Readable({ ...objectMode, read() {} });
      let next = 0;
      pace(
        rate,
        count,
        (end) => {
          for (; next < end; next++) source.push({ text: sentenceAt(next), t: stamp() });
        },
        () => source.push(null),
      );
      const split = new Transform({
        ...objectMode,
        transform(sentence: Stamped, _encoding, callback) {
          splitWords(sentence.text, (word) => this.push({ text: word, t: sentence.t }));
          callback();
        },
      });
      const counter = new Transform({
        ...objectMode,
        transform(word: Stamped, _encoding, callback) {
          const c = (counts.get(word.text) ?? 0) + 1;
          counts.set(word.text, c);
          callback(null, { text: word.text, c, t: word.t });
        },
      });
      const sink = new Writable({
        ...objectMode,
        write(update: { c: number; t: number }, _encoding, callback) {
          digest.records++;
          digest.checksum += update.c;
          latency!.since(update.t);
          callback();
        },
      });
      await pipeline(source, split, counter, sink);
      return digest;
    },
  };
}

function splitToArray(sentence: string): string[] {
  const words: string[] = [];
  splitWords(sentence, (w) => words.push(w));
  return words;
}

const COMPAT_VARIANTS: readonly string[] = ['compat-acking', 'compat-zero-ackers', 'compat-checkpoint'];

/** The compat word count (acking) with topology.workers 1 and 2. */
const COMPAT_WORKER_VARIANTS: Readonly<Record<string, number>> = { 'compat-1-worker': 1, 'compat-2-workers': 2 };

/** The same job (parallelism 2: source, split, count and sink) on 1 worker thread and on 2. */
const WORKER_VARIANTS: Readonly<Record<string, number>> = { 'native-1-worker': 1, 'native-2-workers': 2 };

async function workerWordCount(workers: number): Promise<VariantImpl> {
  const { default: job } = await import('./word-count-job.ts');
  const { workerJobVariant } = await import('./worker-job.ts');
  // 300k sentences (~2M words): long enough that fresh threads spend most of the run compiled.
  return workerJobVariant(
    job,
    // Compiled (dist/, what `stormshift bench` runs once built) the job module is a .js file.
    new URL(import.meta.url.endsWith('.ts') ? './word-count-job.ts' : './word-count-job.js', import.meta.url).href,
    'bench-word-count-workers',
    workers,
    2,
    ['2'],
    300_000,
  );
}

/** An RxJS pipeline: the sentences → mergeMap(split) → map(count in a Map) → subscriber. */
async function rxjsWordCount(): Promise<VariantImpl> {
  // Loaded only by the variant that uses it, so other variants' processes start no slower.
  const { map, mergeMap, Observable, range } = await import('rxjs');
  return {
    async run({ count, rate, latency }: RunRequest): Promise<Digest> {
      const counts = new Map<string, number>();
      const digest: Digest = { records: 0, checksum: 0 };
      const countWord = (word: string): number => {
        const c = (counts.get(word) ?? 0) + 1;
        counts.set(word, c);
        return c;
      };
      if (rate === undefined) {
        await new Promise<void>((resolve, reject) =>
          range(0, count)
            .pipe(
              map((i) => sentenceAt(i)),
              mergeMap((sentence) => splitToArray(sentence)),
              map((word) => [word, countWord(word)] as const),
            )
            .subscribe({
              next(update) {
                digest.records++;
                digest.checksum += update[1];
              },
              error: reject,
              complete: resolve,
            }),
        );
        return digest;
      }
      const source = new Observable<{ text: string; t: number }>((subscriber) => {
        let next = 0;
        pace(
          rate,
          count,
          (end) => {
            for (; next < end; next++) subscriber.next({ text: sentenceAt(next), t: stamp() });
          },
          () => subscriber.complete(),
        );
      });
      await new Promise<void>((resolve, reject) =>
        source
          .pipe(
            mergeMap((sentence) => splitToArray(sentence.text).map((text) => ({ text, t: sentence.t }))),
            map((word) => ({ c: countWord(word.text), t: word.t })),
          )
          .subscribe({
            next(update) {
              digest.records++;
              digest.checksum += update.c;
              latency!.since(update.t);
            },
            error: reject,
            complete: resolve,
          }),
      );
      return digest;
    },
  };
}

const workload: WorkloadModule = {
  variants: [
    'hand-loop',
    'native',
    'node-streams',
    'rxjs',
    ...COMPAT_VARIANTS,
    ...Object.keys(WORKER_VARIANTS),
    ...Object.keys(COMPAT_WORKER_VARIANTS),
  ],
  quickVariants: [
    'hand-loop',
    'native',
    'node-streams',
    'rxjs',
    'compat-acking',
    ...Object.keys(WORKER_VARIANTS),
    ...Object.keys(COMPAT_WORKER_VARIANTS),
  ],
  notApplicable: {},
  initialCount: 1000,
  unit: 'sentences',
  async create(variant: string, _params: ChildParams): Promise<VariantImpl> {
    switch (variant) {
      case 'hand-loop':
        return handLoopWordCount();
      case 'native':
        return nativeWordCount();
      case 'node-streams':
        return nodeStreamsWordCount();
      case 'rxjs':
        return rxjsWordCount();
      default:
        if (variant in WORKER_VARIANTS) return workerWordCount(WORKER_VARIANTS[variant]!);
        if (variant in COMPAT_WORKER_VARIANTS)
          return (await import('./compat-workers.ts')).compatWorkersWordCount(COMPAT_WORKER_VARIANTS[variant]!);
        if (COMPAT_VARIANTS.includes(variant)) return (await import('./compat-word-count.ts')).compatWordCount(variant);
        throw new Error(`word-count has no variant '${variant}'`);
    }
  },
  reference: wordCountDigest,
};

export default workload;
