/**
 * `stormshift soak kafka-word-count`: the Kafka → Kafka word count (exactly-once sink) on the
 * harness's Kafka test broker (3 mock brokers behind the proxy that keeps Kafka's transaction
 * semantics), SIGKILLed N times. Between kills the broker side fails too: every other restart
 * happens with one broker down (up again after a random delay, while the job runs), the others
 * after a partition leader moved. Input arrives while it runs, at --rate. The reference is the
 * input itself: a read_committed reader must see `word:1..count(word)` once each.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import kafkajs from 'kafkajs';
import { ROOT, type SoakOptions, type SoakReport } from './soak.ts';

const PARTITIONS = 4;
/**
 * The test broker keeps at most 5 MiB (or 100 000 batches) per partition and silently drops the
 * oldest batches beyond that. A 100-kill soak writes about 1.5 million output lines (some 19
 * bytes each in the log, with replays and aborted transactions on top): in 4 partitions the
 * oldest quarter was gone before the reader started, and showed as lost. 16 keep each well
 * under; `keptWhole` refuses a topic the broker truncated all the same.
 */
const OUTPUT_PARTITIONS = 16;
const BROKERS = 3;
const CHECKPOINT_INTERVAL_MS = 100;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function newestCheckpoint(dir: string): number {
  if (!existsSync(dir)) return 0;
  let newest = 0;
  for (const name of readdirSync(dir)) {
    const m = /^chk-(\d+)\.snap$/.exec(name);
    if (m) newest = Math.max(newest, Number(m[1]));
  }
  return newest;
}

class Run {
  readonly child: ChildProcess;
  exitCode: number | null | undefined;
  stderr = '';
  readonly exited: Promise<void>;

  /** `log`: every run's stderr goes there too (the soak's dir, kept with --keep). */
  constructor(args: string[], log: string) {
    this.child = spawn(
      process.execPath,
      [
        join(ROOT, 'cli/bin.js'),
        'run',
        join(ROOT, 'samples/soak/kafka-word-count.ts'),
        '--checkpoint-interval',
        String(CHECKPOINT_INTERVAL_MS),
        '--metrics-port',
        '0',
        '-q',
        ...args,
      ],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    );
    appendFileSync(log, `=== run (pid ${this.child.pid}) started ${new Date().toISOString()}\n`);
    this.child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-20_000);
      appendFileSync(log, chunk);
    });
    this.exited = new Promise((r) =>
      this.child.once('exit', (code) => {
        this.exitCode = code;
        r();
      }),
    );
  }

  get alive(): boolean {
    return this.exitCode === undefined;
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    if (this.alive) this.child.kill(signal);
    await this.exited;
  }
}

const WORDS = ['the', 'cow', 'jumped', 'over', 'moon', 'an', 'apple', 'a', 'day', 'keeps', 'doctor', 'away'];
/** Sentence i of the input: the same on every run. */
const sentenceAt = (i: number): string =>
  Array.from({ length: 5 }, (_, k) => WORDS[(i * 7 + k * 5) % WORDS.length]!).join(' ');

export async function soakKafka(options: SoakOptions, next: () => number): Promise<SoakReport> {
  const { startKafkaCluster, readTopic } = await import('../harness/kafka/index.ts');
  const rate = options.rate ?? 200;
  // Each incarnation takes seconds to start, so input is written until the last kill (or up to
  // --sentences): every kill lands on a job with input arriving.
  const cap = options.sentences ?? Number.POSITIVE_INFINITY;
  let killing = true;
  const dir = mkdtempSync(join(tmpdir(), 'stormshift-soak-kafka-'));
  const cluster = await startKafkaCluster({ brokers: BROKERS });
  if (cluster.external) {
    await cluster.stop();
    throw new Error('soak kafka-word-count injects broker faults: unset KAFKA_BROKERS to use the test broker');
  }
  const input = 'soak-sentences';
  const output = 'soak-counts';
  const prefix = 'soak';
  process.env.KAFKAJS_NO_PARTITIONER_WARNING ??= '1';
  const kafka = new kafkajs.Kafka({ brokers: cluster.brokers, logLevel: kafkajs.logLevel.NOTHING });
  const producer = kafka.producer();
  let feeding: Promise<void> = Promise.resolve();
  const faults = { outages: 0, leaderMoves: 0 };
  try {
    await cluster.createTopic(input, PARTITIONS);
    await cluster.createTopic(output, OUTPUT_PARTITIONS);
    await producer.connect();
    options.log(
      `soak kafka-word-count: sentences at ${rate}/s until the last kill${options.sentences ? ` (at most ${options.sentences})` : ''} into ${PARTITIONS} partitions (output ${OUTPUT_PARTITIONS}) on ${BROKERS} brokers, ${options.kills} kills, seed ${options.seed}`,
    );
    // Input arrives while the job runs, so kills land on a busy job. Its sends retry through
    // broker outages (kafkajs's own retries); what lands in the topic is the reference.
    // One second of input per send: the test broker (librdkafka's mock) answers a Fetch with one
    // record batch per partition, so input written as tiny batches (2-3 records each at 20 sends
    // a second) capped the reader near the input rate, and the backlog the kills left was never
    // caught up. A send's records form one batch per partition.
    let written = 0;
    feeding = (async () => {
      const slice = Math.max(1, Math.round(rate));
      while (killing && written < cap) {
        const n = Math.min(slice, cap - written);
        await producer.send({
          topic: input,
          messages: Array.from({ length: n }, (_, j) => ({
            value: sentenceAt(written + j),
            partition: (written + j) % PARTITIONS,
          })),
        });
        written += n;
        await sleep(1000);
      }
    })();
    const ckpt = join(dir, 'ckpt');
    const runsLog = join(dir, 'runs.log');
    const args = ['--checkpoint-dir', ckpt, '--', cluster.brokers.join(','), input, output, prefix];
    let kills = 0;
    let runs = 0;
    let restoredRuns = 0;
    while (kills < options.kills) {
      const before = newestCheckpoint(ckpt);
      if (before > 0) restoredRuns++;
      // The broker side fails between kills too.
      let down: number | undefined;
      if (runs > 0 && runs % 2 === 1) {
        down = 1 + Math.floor(next() * BROKERS);
        await cluster.brokerDown(down);
        faults.outages++;
      } else if (runs > 0) {
        const topic = next() < 0.5 ? input : output;
        // The partition is drawn over the input's count for both topics, so a seed moves the
        // same leaders whatever the output's partition count.
        await cluster.mockCommand(
          `leader ${topic} ${Math.floor(next() * PARTITIONS)} ${1 + Math.floor(next() * BROKERS)}`,
        );
        faults.leaderMoves++;
      }
      const run = new Run(args, runsLog);
      runs++;
      if (down !== undefined) {
        await sleep(Math.floor(next() * options.maxDelayMs));
        await cluster.brokerUp(down);
      }
      while (run.alive && newestCheckpoint(ckpt) <= before) await sleep(5);
      if (!run.alive)
        throw new Error(`run ${runs} exited (${String(run.exitCode)}) before its first checkpoint:\n${run.stderr}`);
      await sleep(Math.floor(next() * options.maxDelayMs));
      await run.kill('SIGKILL');
      kills++;
      if (kills % 10 === 0) options.log(`  ${kills} kills`);
    }
    killing = false;
    await feeding;
    options.log(`  ${written} sentences written`);
    // The survivor runs until a completed checkpoint covers all input (the source commits its
    // positions to its group then), then stops with a final checkpoint.
    const ends = new Map((await fetchEnds(kafka, input)).map((e) => [e.partition, e.high]));
    if (newestCheckpoint(ckpt) > 0) restoredRuns++;
    const survivor = new Run(args, runsLog);
    runs++;
    const admin = kafka.admin();
    await admin.connect();
    const total = [...ends.values()].reduce((a, h) => a + Number(h), 0);
    let reported = Date.now();
    try {
      for (;;) {
        const [entry] = await admin.fetchOffsets({ groupId: `${prefix}-group`, topics: [input] });
        if ([...ends].every(([p, high]) => entry?.partitions.find((x) => x.partition === p)?.offset === high)) break;
        if (!survivor.alive) throw new Error(`last run exited (${String(survivor.exitCode)}):\n${survivor.stderr}`);
        // A survivor that lags says how far it got, so a stall is told apart from a slow catch-up.
        if (Date.now() - reported >= 30_000) {
          reported = Date.now();
          const done = (entry?.partitions ?? []).reduce((a, x) => a + Math.max(0, Number(x.offset)), 0);
          const said = survivor.stderr.trim().split('\n').at(-1);
          options.log(
            `  last run: ${done} of ${total} sentences committed${said ? ` (it said: ${said.slice(0, 300)})` : ''}`,
          );
        }
        await sleep(50);
      }
    } finally {
      await admin.disconnect();
    }
    await survivor.kill('SIGTERM');
    if (survivor.exitCode !== 0)
      throw new Error(`last run did not stop cleanly (exit ${String(survivor.exitCode)}):\n${survivor.stderr}`);

    await keptWhole(kafka, input);
    await keptWhole(kafka, output);
    // Reference: the input as it landed (a retried send may have doubled a sentence).
    const expected = new Map<string, number>();
    const seen = new Map<string, number>();
    for (const sentence of await readTopic(cluster.brokers, input)) {
      for (const word of sentence.split(' ')) {
        const n = (seen.get(word) ?? 0) + 1;
        seen.set(word, n);
        expected.set(`${word}:${n}`, 1);
      }
    }
    const got = new Map<string, number>();
    const state = new Map<string, number>();
    const lines = await readTopic(cluster.brokers, output);
    for (const line of lines) {
      got.set(line, (got.get(line) ?? 0) + 1);
      const at = line.lastIndexOf(':');
      const word = line.slice(0, at);
      state.set(word, Math.max(state.get(word) ?? 0, Number(line.slice(at + 1))));
    }
    let lost = 0;
    let duplicated = 0;
    for (const line of expected.keys()) if (!got.has(line)) lost++;
    for (const [line, n] of got) duplicated += expected.has(line) ? n - 1 : n;
    let stateMismatches = 0;
    for (const word of new Set([...seen.keys(), ...state.keys()]))
      if (seen.get(word) !== state.get(word)) stateMismatches++;
    options.log(`  broker faults: ${faults.outages} outages, ${faults.leaderMoves} leader moves`);
    const restarts = readFileSync(runsLog, 'utf8')
      .split('\n')
      .filter((l) => l.includes('restarting in'));
    options.log(
      `  restarts inside a run: ${restarts.length}${restarts.length ? ` (first: ${restarts[0]!.slice(0, 300)})` : ''}`,
    );
    const reissued = await cluster.reissuedProducerIds();
    options.log(`  producer ids the test broker handed out twice (refused, asked again): ${reissued.length}`);
    if (lost > 0 || duplicated > 0) {
      // Where the damage is: a contiguous tail per partition means a read_committed reader stopped
      // at an open transaction; scattered gaps mean transactions aborted after their checkpoint.
      const open = await cluster.openTransactions();
      options.log(`  open transactions: ${open.length}${open.length ? ` (${open.slice(0, 20).join(' ')})` : ''}`);
      options.log(`  transactions: ${JSON.stringify(await cluster.transactionOutcomes(prefix))}`);
      const raw = await readRaw(kafka, output);
      const missing = new Set([...expected.keys()].filter((l) => !got.has(l)));
      for (let p = 0; p < OUTPUT_PARTITIONS; p++) {
        const records = raw.filter((r) => r.partition === p);
        const lostHere = records.filter((r) => missing.has(r.value));
        const seenHere = records.filter((r) => got.has(r.value));
        const lastSeen = seenHere.reduce((a, r) => Math.max(a, r.offset), -1);
        const firstLost = lostHere.reduce((a, r) => Math.min(a, r.offset), Infinity);
        options.log(
          `  partition ${p}: ${records.length} records in the log, ${seenHere.length} seen by read_committed (last at offset ${lastSeen}), ${lostHere.length} missing (first at offset ${firstLost})`,
        );
      }
      const inLog = new Set(raw.map((r) => r.value));
      options.log(`  missing and not in the log at all: ${[...missing].filter((l) => !inLog.has(l)).length}`);
    }
    return {
      target: 'kafka-word-count',
      kills,
      runs,
      restoredRuns,
      referenceRecords: expected.size,
      soakRecords: lines.length,
      lost,
      duplicated,
      stateMismatches,
      dir,
    };
  } finally {
    await feeding.catch(() => {});
    await producer.disconnect().catch(() => {});
    await cluster.stop();
    if (!options.keep) rmSync(dir, { recursive: true, force: true });
  }
}

/** Every record of a topic as written (read_uncommitted), with its partition and offset. */
async function readRaw(
  kafka: kafkajs.Kafka,
  topic: string,
): Promise<Array<{ partition: number; offset: number; value: string }>> {
  const ends = new Map((await fetchEnds(kafka, topic)).map((e) => [e.partition, Number(e.high)]));
  const out: Array<{ partition: number; offset: number; value: string }> = [];
  const positions = new Map<number, number>();
  const consumer = kafka.consumer({ groupId: `soak-diag-${Date.now()}`, readUncommitted: true, maxWaitTimeInMs: 100 });
  await consumer.connect();
  let done: () => void = () => {};
  const finished = new Promise<void>((r) => (done = r));
  const check = (): void => {
    if ([...ends].every(([p, end]) => (positions.get(p) ?? 0) >= end)) done();
  };
  check();
  await consumer.subscribe({ topic, fromBeginning: true });
  await consumer.run({
    eachMessage: async ({ partition, message }) => {
      out.push({ partition, offset: Number(message.offset), value: message.value?.toString() ?? '' });
      positions.set(partition, Number(message.offset) + 1);
      check();
    },
  });
  await finished;
  await consumer.disconnect();
  return out;
}

/** Fails when the test broker dropped the oldest records of a partition: they would count as lost. */
async function keptWhole(kafka: kafkajs.Kafka, topic: string): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const truncated = (await admin.fetchTopicOffsets(topic)).filter((e) => Number(e.low) > 0);
    if (truncated.length > 0)
      throw new Error(
        `soak kafka-word-count: the test broker dropped the oldest records of topic '${topic}' ` +
          `(log start offsets ${truncated.map((e) => `partition ${e.partition}: ${e.low} of ${e.high}`).join(', ')}); ` +
          'it keeps 5 MiB per partition, so the soak cannot tell what was written. Use fewer kills or a lower --rate.',
      );
  } finally {
    await admin.disconnect();
  }
}

async function fetchEnds(kafka: kafkajs.Kafka, topic: string): Promise<Array<{ partition: number; high: string }>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    return await admin.fetchTopicOffsets(topic);
  } finally {
    await admin.disconnect();
  }
}
