/**
 * The Kafka → Kafka job that `stormshift soak kafka-word-count` kills and restarts, and that the
 * exactly-once crash test runs: sentences from a topic (static assignment, positions in the
 * checkpoint) → split → keyed running count → `word:n` lines to a topic with the exactly-once
 * sink. Lost and duplicated records show as missing and repeated lines for a read_committed reader.
 * Run: `stormshift run samples/soak/kafka-word-count.ts --checkpoint-interval 100 -- BROKERS IN OUT PREFIX [accept-duplicates] [sink-parallelism=N]`
 * (`accept-duplicates` sets the sink's acceptDuplicatesOnRestore; `sink-parallelism` the sink's alone).
 */
import {
  defineJob,
  ValueStateDescriptor,
  type Collector,
  type KeyedProcessFunction,
  type KeyedRuntimeContext,
  type ValueState,
} from '../../runtime/index.ts';
import { kafkaSink, kafkaSource } from '../../runtime/connectors/kafka/index.ts';

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

export default defineJob('soak-kafka-word-count', (env, args) => {
  const [brokers, input, output, prefix, ...flags] = args;
  const sinkParallelism = flags.map((f) => /^sink-parallelism=([1-9]\d*)$/.exec(f)?.[1]).find((n) => n !== undefined);
  if (
    !brokers ||
    !input ||
    !output ||
    !prefix ||
    flags.some((f) => f !== 'accept-duplicates' && !/^sink-parallelism=[1-9]\d*$/.test(f))
  )
    throw new Error(
      'usage: stormshift run samples/soak/kafka-word-count.ts -- BROKERS IN_TOPIC OUT_TOPIC PREFIX [accept-duplicates] [sink-parallelism=N]',
    );
  env
    .fromSource(
      kafkaSource<string>({
        brokers: brokers.split(','),
        topics: input,
        groupId: `${prefix}-group`,
        assignment: 'static',
        startFrom: 'earliest',
        deserializer: 'string',
        metrics: env.config.metrics,
      }),
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
    .sinkTo(
      kafkaSink<string>({
        brokers: brokers.split(','),
        topic: output,
        guarantee: 'exactly-once',
        transactionalIdPrefix: `${prefix}-tx`,
        acceptDuplicatesOnRestore: flags.includes('accept-duplicates'),
        metrics: env.config.metrics,
      }),
      { name: 'Counts', uid: 'counts', ...(sinkParallelism ? { parallelism: Number(sinkParallelism) } : {}) },
    );
});
