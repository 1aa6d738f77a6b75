/**
 * Entry point of a worker thread: rebuilds the job from its module, runs the subtasks placed on
 * this worker, exchanges record batches with peer workers and reports checkpoints to the main thread.
 */
import { parentPort, workerData, type MessagePort } from 'node:worker_threads';
import { StreamEnvironment } from '../api/environment.ts';
import { loadJobModule } from '../api/job.ts';
import { InMemoryCheckpointStorage } from '../checkpoint/storage.ts';
import { ConfigError, StormshiftError, UserFunctionError, messageOf } from '../errors.ts';
import { RuntimeMetrics, threadCpuMs } from '../metrics/index.ts';
import type { InputGate } from './channels.ts';
import { Deployment } from './deployment.ts';
import { KeyedPoisonMatcher } from './poison.ts';
import { BatchDecoder } from './record-codec.ts';
import {
  CreditReturn,
  Outbox,
  WIRE_BARRIER,
  WIRE_END,
  WIRE_RECORD,
  WIRE_WATERMARK,
  type WireBatch,
} from './remote-channel.ts';
import type {
  MainToWorker,
  WorkerData,
  WorkerOperatorDetail,
  WorkerToMain,
  WorkerUserFailure,
} from './worker-protocol.ts';

const data = workerData as WorkerData;
const port = parentPort!;
const send = (message: WorkerToMain): void => port.postMessage(message);
const METRICS_INTERVAL_MS = 500;

/** Operator and record cross to the main thread, whose poison tracker counts failures across restarts. */
function userFailure(error: UserFunctionError): WorkerUserFailure {
  let record: unknown;
  try {
    record = structuredClone(error.record);
  } catch {
    record = JSON.stringify(error.record) ?? String(error.record);
  }
  return { operator: error.operator, record, cause: messageOf(error.cause) };
}

function reportFailure(error: unknown, source?: string): void {
  send({
    t: 'failed',
    message: messageOf(error),
    code: error instanceof StormshiftError ? error.code : undefined,
    retriable: error instanceof StormshiftError ? error.retriable : true,
    stack: error instanceof Error ? error.stack : undefined,
    ...(error instanceof UserFunctionError ? { user: userFailure(error) } : {}),
    ...(source !== undefined ? { source } : {}),
  });
}

/**
 * The thread that submitted the job built and planned it already, so a worker that cannot do the
 * same (its module does not load here, or building it throws) fails the same way on every restart:
 * not retriable, and named, instead of a restart loop that only logs warnings.
 */
async function rebuildPlan(): Promise<ReturnType<StreamEnvironment['plan']>> {
  try {
    const job = await loadJobModule(data.jobModule);
    const env = StreamEnvironment.create(data.config);
    await job.build(env, data.jobArgs);
    return env.plan(data.jobName);
  } catch (error) {
    if (error instanceof StormshiftError && !error.retriable) throw error;
    throw new ConfigError(
      `worker thread ${data.workerIndex + 1} of ${data.workers} could not rebuild job '${data.jobName}' from ${data.jobModule}: ${messageOf(error)}`,
      { cause: error },
    );
  }
}

async function main(): Promise<void> {
  const plan = await rebuildPlan();
  const metrics = new RuntimeMetrics();
  const outboxes = new Map<number, Outbox>();
  let deployment: Deployment | undefined;
  let metricsTimer: ReturnType<typeof setInterval> | undefined;

  const decoder = new BatchDecoder();
  const onBatch = (peer: MessagePort, message: WireBatch): void => {
    const [buffer, length, extras, credits] = message;
    if (credits !== undefined) outboxes.get(peerIndexOf.get(peer)!)?.onCredits(credits);
    if (buffer === null) return;
    let holding: InputGate | undefined;
    try {
      decoder.reset(buffer, length, extras);
      let address = -1;
      let gate: InputGate | undefined;
      while (decoder.next()) {
        if (decoder.gate !== address) {
          address = decoder.gate;
          gate = deployment!.gates.get(address)!.gate!;
        }
        const channel = gate!.channels[decoder.channel]!;
        const kind = decoder.kind;
        if (kind === WIRE_RECORD) channel.pushRecord(decoder.value, decoder.number);
        else if (kind === WIRE_WATERMARK) channel.pushWatermark(decoder.number);
        else if (kind === WIRE_BARRIER) channel.pushBarrier(decoder.number);
        else if (kind === WIRE_END) channel.pushEnd();
        if (channel.blocked) holding = gate;
      }
    } catch (error) {
      deployment?.fail(error);
      return;
    }
    // The credit (the batch's buffer, handed back for reuse) goes back only once the batch is
    // processed: that is what bounds memory. Records parked behind an alignment are not processed
    // yet, so their credit waits for the release.
    const owed = creditReturns.get(peer)!;
    if (holding) holding.whenReleased(() => owed.owe(buffer));
    else owed.owe(buffer);
  };
  const peerIndexOf = new Map<MessagePort, number>();
  const creditReturns = new Map<MessagePort, CreditReturn>();

  port.on('message', (message: MainToWorker) => {
    switch (message.t) {
      case 'init':
        void init(message).catch((error) => reportFailure(error));
        return;
      case 'run':
        deployment?.run();
        metricsTimer = setInterval(sendMetrics, METRICS_INTERVAL_MS);
        return;
      case 'trigger':
        deployment?.injectBarriers(message.id, message.direct);
        return;
      case 'complete':
        deployment?.completeCheckpoint(message.id, message.acks).catch((error) => deployment?.fail(error));
        return;
      case 'stop-sources':
        void (deployment?.stopSources() ?? Promise.resolve()).then(() => send({ t: 'sources-stopped' }));
        return;
      case 'stop':
        if (metricsTimer) clearInterval(metricsTimer);
        void stop();
        return;
    }
  });

  async function init(message: Extract<MainToWorker, { t: 'init' }>): Promise<void> {
    for (const [peer, peerPort] of Object.entries(message.peers)) {
      const index = Number(peer);
      peerIndexOf.set(peerPort, index);
      creditReturns.set(peerPort, new CreditReturn(peerPort));
      peerPort.on('message', (m: WireBatch) => onBatch(peerPort, m));
    }
    deployment = new Deployment({
      plan,
      storage: new InMemoryCheckpointStorage(),
      metrics,
      checkpointIntervalMs: undefined,
      checkpointTimeoutMs: 2 ** 31 - 1,
      restoreFrom: message.restoreFrom,
      firstCheckpointId: message.firstCheckpointId,
      ...(data.poisonKeys?.length
        ? {
            poison: new KeyedPoisonMatcher(data.poisonKeys, {
              jobName: data.jobName,
              attempts: data.poisonAttempts ?? 1,
              staged: data.stageDeadLetters ?? false,
              report: (error) => send({ t: 'dead-letter', user: userFailure(error) }),
            }),
          }
        : {}),
      placement: {
        workerIndex: data.workerIndex,
        workers: data.workers,
        outbox: (peerWorker) => {
          let outbox = outboxes.get(peerWorker);
          if (!outbox) {
            const peerPort = message.peers[peerWorker];
            if (!peerPort) throw new Error(`internal: worker ${data.workerIndex} has no port to worker ${peerWorker}`);
            outbox = new Outbox(
              peerPort,
              Number(data.config.batchSize ?? 512),
              Number(data.config.bufferTimeoutMs ?? 0),
              (owner, busy) => deployment!.setBusy(owner, busy),
              (error) => deployment!.fail(error),
              creditReturns.get(peerPort),
            );
            outboxes.set(peerWorker, outbox);
          }
          return outbox;
        },
        acknowledge: (id, participant, ack) => {
          ack.then(
            (value) => send({ t: 'ack', id, participant, ack: value }),
            (error) => deployment?.fail(error),
          );
        },
        decline: (id, reason) => send({ t: 'decline', id, reason }),
        running: () => send({ t: 'running' }),
        subtaskFinished: (chainId, subtaskIndex) => {
          // Anything still batched must reach the peers before the main thread hears we are done.
          for (const outbox of outboxes.values()) outbox.flush();
          // A run's summary reads the counters once the job ends: they must not lag by a report interval.
          sendMetrics();
          send({ t: 'finished', chainId, subtaskIndex });
        },
        failed: (error, source) => reportFailure(error, source),
      },
      log: (level, text) => {
        if (level !== 'info') process.stderr.write(`[stormshift worker ${data.workerIndex}] ${level}: ${text}\n`);
      },
    });
    deployment.outcome.catch(() => {});
    await deployment.start();
    send({ t: 'ready', subtasks: deployment.subtasks.length });
  }

  /**
   * Counts, latency, errors and async I/O of this worker's subtasks, for the main thread's /metrics.
   * Counters are cumulative for this incarnation; the main thread adds what grew since the last report.
   */
  function sendMetrics(): void {
    if (!deployment) return;
    const operators: Array<[string, number, number, number]> = [];
    const details: WorkerOperatorDetail[] = [];
    for (const subtask of deployment.subtasks) {
      subtask.chain.nodes.forEach((node, i) => {
        const m = subtask.metrics[i]!;
        operators.push([node.transformation.name, subtask.index, m.recordsIn, m.recordsOut]);
        details.push({
          errors: m.errors,
          busyMs: m.busyMs,
          latencyCounts: [...m.latency.counts],
          latencySum: m.latency.sum,
          latencyCount: m.latency.count,
        });
      });
    }
    const asyncIo = metrics
      .asyncOf(plan.jobName)
      .map((a): [string, number, number, number, number, number, number] => [
        a.operator,
        a.subtask,
        a.inFlight,
        a.timeouts,
        a.retries,
        a.cacheHits,
        a.cacheMisses,
      ]);
    const cpuMs = threadCpuMs();
    const watermarks = deployment.subtasks.map((s): [number, number, number | null] => {
      const wm = s.inputWatermark();
      return [s.chain.id, s.index, Number.isFinite(wm) ? wm : null];
    });
    send({
      t: 'metrics',
      watermarks,
      operators,
      blocked: deployment.backpressure.blocked,
      blockedMs: deployment.backpressure.blockedMs,
      details,
      asyncIo,
      ...(cpuMs !== undefined ? { cpuMs } : {}),
    });
  }

  async function stop(): Promise<void> {
    deployment?.cancel();
    await deployment?.teardown();
    for (const outbox of outboxes.values()) outbox.close();
    // A last report, so a job shorter than one interval still shows its (final) numbers.
    sendMetrics();
    send({ t: 'stopped' });
    port.close();
    for (const peerPort of peerIndexOf.keys()) peerPort.close();
  }
}

main().catch((error) => reportFailure(error));
