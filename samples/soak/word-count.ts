/**
 * The native word count that `stormshift soak word-count` kills and restarts: a deterministic,
 * replayable sentence generator → split → keyed running count → exactly-once file sink. Each
 * committed line is `word:n` (the n-th occurrence of word), so lost and duplicated records show
 * as missing and repeated lines, and the last n per word is the final state.
 * Run: `stormshift run samples/soak/word-count.ts --checkpoint-interval 50 -- OUT_DIR SENTENCES RATE`
 */
import {
  defineJob,
  fileSink,
  ValueStateDescriptor,
  type Collector,
  type KeyedProcessFunction,
  type KeyedRuntimeContext,
  type ValueState,
} from '../../runtime/index.ts';

export const SENTENCES = [
  'the cow jumped over the moon',
  'an apple a day keeps the doctor away',
  'four score and seven years ago',
  'snow white and the seven dwarfs',
  'i am at two with nature',
];

/** Sentence i of the input: the same on every run and every replay. */
export const sentenceAt = (i: number): string => SENTENCES[(i * 7 + 3) % SENTENCES.length]!;

class RunningCount implements KeyedProcessFunction<string, string, string> {
  private count!: ValueState<number>;
  open(ctx: KeyedRuntimeContext): void {
    this.count = ctx.getState(new ValueStateDescriptor<number>('count'));
  }
  processElement(word: string, _ctx: unknown, out: Collector<string>): void {
    const n = (this.count.value() ?? 0) + 1;
    this.count.update(n);
    out.collect(`${word}:${n}`);
  }
}

export default defineJob('soak-word-count', (env, args) => {
  const [outDir, sentences = '20000', rate = '20000'] = args;
  if (!outDir) throw new Error('usage: stormshift run samples/soak/word-count.ts -- OUT_DIR [SENTENCES] [RATE]');
  env
    .generate(
      { count: Number(sentences), ratePerSecond: Number(rate), generate: sentenceAt },
      { name: 'Sentences', uid: 'sentences' },
    )
    .flatMap<string>(
      (sentence, emit) => {
        for (const word of sentence.split(' ')) emit(word);
      },
      { name: 'Split', uid: 'split' },
    )
    .keyBy((word) => word)
    .process(new RunningCount(), { name: 'Count', uid: 'count', parallelism: 2 })
    .sinkTo(fileSink<string>({ dir: outDir }), { name: 'Files', uid: 'files' });
});
