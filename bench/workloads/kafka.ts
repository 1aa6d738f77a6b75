/**
 * Workload 4, Kafka → transform → Kafka on the test broker (librdkafka's mock cluster through the
 * test harness, or KAFKA_BROKERS): the native job (kafka source → map → kafka sink) against a
 * plain kafkajs consume-transform-produce loop. The bench process fills the input topic once; each
 * run reads its first `count` records from the earliest offset with a fresh group and writes the
 * transformed records to an output topic. Throughput is taken from the first record read to the
 * last write acknowledged, so consumer-group joins and connects do not count.
 */
import kafkajs from 'kafkajs';
import type { Consumer, Producer } from 'kafkajs';
import { kafkaSink, kafkaSource } from '../../runtime/connectors/kafka/index.ts';
import { StreamEnvironment, type Source, type SourceOutput } from '../../runtime/index.ts';
import type { ChildParams, Digest, RunRequest, VariantImpl, WorkloadModule } from '../harness.ts';
import { sentenceAt } from './sentences.ts';

/** Records in the input topic: the cap of any run (the mock broker keeps only ~130k of them). */
const INPUT_RECORDS = 100_000;

interface KafkaParams {
  brokers: string[];
  inTopic: string;
  outTopic: string;
}

/** The transform both variants apply: word count prefix and upper case. */
function transform(sentence: string): string {
  let words = 1;
  for (let i = 0; i < sentence.length; i++) if (sentence.charCodeAt(i) === 32) words++;
  return `${words}:${sentence.toUpperCase()}`;
}

function reference(count: number): Digest {
  let checksum = 0;
  for (let i = 0; i < count; i++) checksum += transform(sentenceAt(i)).length;
  return { records: count, checksum };
}

let groupSerial = 0;
const groupId = (variant: string): string =>
  `stormshift-bench-${variant}-${process.pid}-${Date.now().toString(36)}-${++groupSerial}`;

/** Ends a source after `count` records (the runtime's Kafka source is unbounded); calls `onMark` at record `mark`. */
function firstRecords<T>(source: Source<T>, count: number, mark: number, onMark: () => void): Source<T> {
  return {
    createReader(context) {
      const inner = source.createReader(context);
      let left = count;
      const counting: { output: SourceOutput<T> | undefined } = { output: undefined };
      const wrapped: SourceOutput<T> = {
        collect(value, timestamp) {
          if (left === count - mark) onMark();
          left--;
          counting.output!.collect(value, timestamp);
        },
        emitWatermark(watermark) {
          counting.output!.emitWatermark(watermark);
        },
      };
      return {
        ...(inner.idleBackoffMs !== undefined ? { idleBackoffMs: inner.idleBackoffMs } : {}),
        start: () => inner.start?.(),
        async poll(output, maxRecords) {
          if (left <= 0) return 'end';
          counting.output = output;
          const result = await inner.poll(wrapped, Math.min(maxRecords, left));
          return left <= 0 ? 'end' : result;
        },
        snapshotState: (id) => inner.snapshotState(id),
        restoreState: (state) => inner.restoreState?.(state),
        notifyCheckpointComplete: (id) => inner.notifyCheckpointComplete?.(id),
        close: () => inner.close?.(),
      };
    },
  };
}

/** What a run timed itself: from the first measured record to the end. */
interface Steady {
  ms: number | undefined;
  records: number | undefined;
  cpuMs: number | undefined;
}

function steadyReporting(steady: Steady): Pick<VariantImpl, 'lastSteadyMs' | 'lastSteadyRecords' | 'lastCpuMs'> {
  return { lastSteadyMs: () => steady.ms, lastSteadyRecords: () => steady.records, lastCpuMs: () => steady.cpuMs };
}

function mark(): { at: number; cpu: NodeJS.CpuUsage } {
  return { at: performance.now(), cpu: process.cpuUsage() };
}

function finish(steady: Steady, start: { at: number; cpu: NodeJS.CpuUsage }, records: number): void {
  const cpu = process.cpuUsage(start.cpu);
  steady.ms = performance.now() - start.at;
  steady.records = records;
  steady.cpuMs = (cpu.user + cpu.system) / 1000;
}

function native(params: KafkaParams): VariantImpl {
  const steady: Steady = { ms: undefined, records: undefined, cpuMs: undefined };
  return {
    async run({ count, warm = 0 }: RunRequest): Promise<Digest> {
      const digest: Digest = { records: 0, checksum: 0 };
      let start = mark();
      const env = StreamEnvironment.create({ jobName: 'bench-kafka' });
      const source = kafkaSource<string>({
        brokers: params.brokers,
        topics: params.inTopic,
        groupId: groupId('native'),
        startFrom: 'earliest',
        commitOffsets: false,
        logLevel: 'nothing',
        consumer: { maxWaitTimeInMs: 50 },
      });
      env
        .fromSource(
          firstRecords(source, count, warm, () => (start = mark())),
          { name: 'kafka-in', nonParallel: true },
        )
        .map(
          (sentence: string) => {
            const out = transform(sentence);
            digest.records++;
            digest.checksum += out.length;
            return out;
          },
          { name: 'transform' },
        )
        .sinkTo(kafkaSink<string>({ brokers: params.brokers, topic: params.outTopic, logLevel: 'nothing' }), {
          name: 'kafka-out',
        });
      await env.execute();
      finish(steady, start, count - warm);
      return digest;
    },
    ...steadyReporting(steady),
  };
}

/** The plain loop: eachBatch → transform → one producer.send per batch, awaited. */
function kafkajsLoop(params: KafkaParams): VariantImpl {
  const steady: Steady = { ms: undefined, records: undefined, cpuMs: undefined };
  const kafka = new kafkajs.Kafka({
    brokers: params.brokers,
    clientId: 'stormshift-bench',
    logLevel: kafkajs.logLevel.NOTHING,
  });
  let producer: Producer | undefined;
  return {
    async run({ count, warm = 0 }: RunRequest): Promise<Digest> {
      if (!producer) {
        producer = kafka.producer({ allowAutoTopicCreation: false });
        await producer.connect();
      }
      const out = producer;
      const digest: Digest = { records: 0, checksum: 0 };
      if (count === 0) return digest;
      const consumer: Consumer = kafka.consumer({ groupId: groupId('loop'), maxWaitTimeInMs: 50 });
      await consumer.connect();
      await consumer.subscribe({ topic: params.inTopic, fromBeginning: true });
      let start: { at: number; cpu: NodeJS.CpuUsage } | undefined;
      let startRecords = 0;
      let done!: () => void;
      let fail!: (error: unknown) => void;
      const finished = new Promise<void>((resolve, reject) => {
        done = resolve;
        fail = reject;
      });
      await consumer.run({
        autoCommit: false,
        eachBatch: async ({ batch }) => {
          if (digest.records >= count) return;
          // Batches do not split at the warm-up boundary: time from the first batch past it.
          if (start === undefined && digest.records >= warm) {
            start = mark();
            startRecords = digest.records;
          }
          const messages: Array<{ value: string }> = [];
          for (const message of batch.messages) {
            if (digest.records + messages.length >= count) break;
            const value = transform(message.value!.toString('utf8'));
            digest.checksum += value.length;
            messages.push({ value });
          }
          try {
            await out.send({ topic: params.outTopic, acks: -1, messages });
          } catch (error) {
            fail(error);
            return;
          }
          digest.records += messages.length;
          if (digest.records >= count) done();
        },
      });
      try {
        await finished;
        finish(steady, start!, count - startRecords);
      } finally {
        await consumer.disconnect();
      }
      return digest;
    },
    ...steadyReporting(steady),
    async close() {
      await producer?.disconnect();
    },
  };
}

/** Parent side: the broker for the whole workload, filled once. */
let cluster: { stop(): Promise<void> } | undefined;

const workload: WorkloadModule = {
  variants: ['native', 'kafkajs-loop'],
  notApplicable: {
    'hand-loop': 'the plain kafkajs loop is the hand-written limit here',
    compat: 'a Storm Kafka spout is not part of compat (storm-kafka-client is a separate Storm module)',
  },
  initialCount: 5000,
  // Every run joins a consumer group (seconds on the mock broker): one run per measurement.
  singleRun: { warmRecords: 10_000, expectedRate: 40_000 },
  maxCount: INPUT_RECORDS,
  latency: false,
  baselines: ['kafkajs-loop'],
  unit: 'messages',
  async setup(): Promise<Record<string, unknown>> {
    const { startKafkaCluster } = await import('../../harness/kafka/index.ts');
    const started = await startKafkaCluster({ brokers: 1 });
    cluster = started;
    const inTopic = `bench-in-${Date.now().toString(36)}`;
    const outTopic = `bench-out-${Date.now().toString(36)}`;
    await started.createTopic(inTopic, 1);
    await started.createTopic(outTopic, 1);
    const kafka = new kafkajs.Kafka({
      brokers: started.brokers,
      clientId: 'stormshift-bench-fill',
      logLevel: kafkajs.logLevel.NOTHING,
    });
    const producer = kafka.producer();
    await producer.connect();
    try {
      for (let i = 0; i < INPUT_RECORDS; i += 5000) {
        const messages = [];
        for (let j = i; j < Math.min(INPUT_RECORDS, i + 5000); j++) messages.push({ value: sentenceAt(j) });
        await producer.send({ topic: inTopic, acks: -1, messages });
      }
      const admin = kafka.admin();
      await admin.connect();
      const [offsets] = await admin.fetchTopicOffsets(inTopic);
      await admin.disconnect();
      if (offsets?.low !== '0' || offsets.high !== String(INPUT_RECORDS)) {
        throw new Error(
          `the broker kept offsets ${offsets?.low}..${offsets?.high} of the ${INPUT_RECORDS} input records (retention too small)`,
        );
      }
    } finally {
      await producer.disconnect();
    }
    return { brokers: started.brokers, inTopic, outTopic } satisfies KafkaParams;
  },
  async teardown() {
    await cluster?.stop();
    cluster = undefined;
  },
  async create(variant: string, params: ChildParams) {
    const kafkaParams = params.extra as unknown as KafkaParams | undefined;
    if (!kafkaParams?.brokers)
      throw new Error('kafka: no broker (the bench process starts one and passes it in params.extra)');
    if (variant === 'native') return native(kafkaParams);
    if (variant === 'kafkajs-loop') return kafkajsLoop(kafkaParams);
    throw new Error(`kafka has no variant '${variant}'`);
  },
  reference,
};

export default workload;
