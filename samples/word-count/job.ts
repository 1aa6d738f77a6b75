/**
 * The main job: sentences → split → keyed running count → top 10 words every second, checkpointed.
 * Run it: `node cli/bin.js run samples/word-count/job.ts --ttl 10`
 * Args (after `--`): --rate N (sentences/s, default: as fast as possible), --count N (bounded run).
 */
import {
  defineJob,
  MapStateDescriptor,
  ValueStateDescriptor,
  type Collector,
  type KeyedProcessContext,
  type KeyedProcessFunction,
  type KeyedRuntimeContext,
  type MapState,
  type OnTimerContext,
  type ValueState,
} from '../../runtime/index.ts';

/** storm-starter's RandomSentenceSpout sentences, so native and compat runs read the same input. */
export const SENTENCES = [
  'the cow jumped over the moon',
  'an apple a day keeps the doctor away',
  'four score and seven years ago',
  'snow white and the seven dwarfs',
  'i am at two with nature',
];

export function splitWords(sentence: string, emit: (word: string) => void): void {
  let start = 0;
  for (let i = 0; i <= sentence.length; i++) {
    if (i === sentence.length || sentence.charCodeAt(i) === 32) {
      if (i > start) emit(sentence.slice(start, i));
      start = i + 1;
    }
  }
}

/** Running count per word, in keyed state (checkpointed). */
export class RunningCount implements KeyedProcessFunction<string, string, [string, number]> {
  private count!: ValueState<number>;

  open(context: KeyedRuntimeContext): void {
    this.count = context.getState(new ValueStateDescriptor<number>('count'));
  }

  processElement(word: string, _context: KeyedProcessContext<string>, out: Collector<[string, number]>): void {
    const count = (this.count.value() ?? 0) + 1;
    this.count.update(count);
    out.collect([word, count]);
  }
}

/** Keeps the latest count per word (one key: the whole stream) and prints the top N on a timer. */
export class TopWords implements KeyedProcessFunction<number, [string, number], string> {
  private counts!: MapState<string, number>;

  constructor(
    private readonly n: number,
    private readonly everyMs: number,
  ) {}

  open(context: KeyedRuntimeContext): void {
    this.counts = context.getMapState(new MapStateDescriptor<string, number>('counts'));
  }

  processElement(value: [string, number], context: KeyedProcessContext<number>): void {
    if (this.counts.isEmpty()) {
      const now = context.currentProcessingTime();
      context.timerService().registerProcessingTimeTimer(now - (now % this.everyMs) + this.everyMs);
    }
    this.counts.put(value[0], value[1]);
  }

  onTimer(timestamp: number, context: OnTimerContext<number>, out: Collector<string>): void {
    const top = [...this.counts.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, this.n);
    out.collect(`top${this.n} @${new Date(timestamp).toISOString()}: ${top.map(([w, c]) => `${w}=${c}`).join(' ')}`);
    context.timerService().registerProcessingTimeTimer(timestamp + this.everyMs);
  }
}

function argValue(args: string[], name: string): number | undefined {
  const i = args.indexOf(name);
  if (i < 0) return undefined;
  const value = Number(args[i + 1]);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`word-count: ${name} needs a positive number, got '${args[i + 1]}'`);
  return value;
}

export default defineJob('word-count', (env, args) => {
  if (env.config.checkpoint?.intervalMs === undefined) env.configure({ checkpoint: { intervalMs: 1000 } });
  const rate = argValue(args, '--rate');
  const count = argValue(args, '--count');
  env
    .generate<string>(
      {
        generate: (_i, random) => SENTENCES[random.int(SENTENCES.length)]!,
        ...(rate ? { ratePerSecond: rate } : {}),
        ...(count ? { count } : {}),
      },
      { name: 'sentences', uid: 'sentences' },
    )
    .flatMap<string>(splitWords, { name: 'split', uid: 'split' })
    .keyBy((word) => word)
    .process<[string, number]>(new RunningCount(), { name: 'count', uid: 'count' })
    .keyBy(() => 0)
    .process<string>(new TopWords(10, 1000), { name: 'top-10', uid: 'top-10', parallelism: 1 })
    .print({ parallelism: 1 });
});
