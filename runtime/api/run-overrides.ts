/**
 * Run overrides: swap sources and observe operators of an already built job by uid, without
 * changing the job's code. This is how `stormshift migrate --verify` replays recorded input into a
 * migrated job and reads what reaches its sinks; a test harness can use it the same way.
 * Applied between `build` and `execute`, on the logical graph, so chaining and parallelism are
 * exactly those of the unmodified job. Observers run on the thread that runs the operator: use
 * them with `workers: 0` (worker threads rebuild the job from its module, without the overrides).
 */
import { JobGraphError } from '../errors.ts';
import { SourceOperator } from '../operators/source-operator.ts';
import type { Transformation } from '../graph/transformation.ts';
import type { StreamEnvironment } from './environment.ts';
import type { Output, StreamOperator } from './operator.ts';
import type { Source } from './source.ts';

export interface CapturedRecord {
  /** uid of the operator the record entered or left. */
  readonly uid: string;
  /** 'input': the record reached the operator; 'output': the operator emitted it. */
  readonly direction: 'input' | 'output';
  /** Side output tag id for side-output emits; undefined for the main input/output. */
  readonly sideTag: string | undefined;
  readonly value: unknown;
}

export interface RunOverrides {
  /** Cap every operator's parallelism (e.g. 1 to compare with a single-task hand-written job). */
  maxParallelism?: number;
  /** uids `maxParallelism` leaves at their own parallelism. */
  uncapped?: Iterable<string>;
  /** Replace the source with this uid (its name, parallelism and downstream stay). */
  sources?: ReadonlyMap<string, Source<unknown>>;
  /** Report the records entering (`input`) and leaving (`output`) operators with these uids. */
  capture?: {
    readonly input?: Iterable<string>;
    readonly output?: Iterable<string>;
    readonly onRecord: (record: CapturedRecord) => void;
  };
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

/** Applies `overrides` to the job built in `env`; unknown uids are a JobGraphError (a typo must not verify nothing). */
export function applyRunOverrides(env: StreamEnvironment, overrides: RunOverrides): void {
  const byUid = new Map<string, Mutable<Transformation>>();
  for (const t of env.transformations) byUid.set(t.uid, t as Mutable<Transformation>);
  const find = (uid: string, what: string): Mutable<Transformation> => {
    const t = byUid.get(uid);
    if (t === undefined) {
      throw new JobGraphError(`run override: no ${what} with uid '${uid}' (uids: ${[...byUid.keys()].join(', ')})`);
    }
    return t;
  };
  const batchSize = env.config.batchSize ?? 512;
  for (const [uid, source] of overrides.sources ?? []) {
    const t = find(uid, 'source');
    if (t.kind !== 'source') throw new JobGraphError(`run override: '${uid}' is a ${t.kind}, not a source`);
    t.source = source;
    t.createOperator = () => new SourceOperator(source, batchSize);
  }
  const cap = overrides.maxParallelism;
  if (cap !== undefined) {
    if (!(Number.isInteger(cap) && cap >= 1))
      throw new JobGraphError(`run override: maxParallelism must be an integer >= 1, got ${String(cap)}`);
    const uncapped = new Set(overrides.uncapped ?? []);
    for (const uid of uncapped) find(uid, 'operator');
    for (const t of byUid.values())
      if (!uncapped.has(t.uid)) t.parallelism = Math.min(t.parallelism ?? env.config.parallelism ?? 1, cap);
  }
  const capture = overrides.capture;
  if (capture === undefined) return;
  const inputs = new Set(capture.input ?? []);
  const outputs = new Set(capture.output ?? []);
  for (const uid of new Set([...inputs, ...outputs])) {
    const t = find(uid, 'operator');
    const create = t.createOperator;
    if (create === undefined) continue;
    const tapInput = inputs.has(uid);
    const tapOutput = outputs.has(uid);
    const onRecord = capture.onRecord;
    t.createOperator = (context) => {
      const operator = create(context) as StreamOperator<unknown, unknown>;
      if (tapInput) {
        const processElement = operator.processElement.bind(operator);
        operator.processElement = (value: unknown, timestamp: number): void => {
          onRecord({ uid, direction: 'input', sideTag: undefined, value });
          processElement(value, timestamp);
        };
      }
      if (tapOutput) {
        const setup = operator.setup.bind(operator);
        operator.setup = (operatorContext, output): void => setup(operatorContext, tapped(uid, output, onRecord));
      }
      return operator;
    };
  }
}

function tapped(uid: string, output: Output<unknown>, onRecord: (record: CapturedRecord) => void): Output<unknown> {
  return {
    collect(value, timestamp) {
      onRecord({ uid, direction: 'output', sideTag: undefined, value });
      output.collect(value, timestamp);
    },
    collectSide(tagId, value, timestamp) {
      onRecord({ uid, direction: 'output', sideTag: tagId, value });
      output.collectSide(tagId, value, timestamp);
    },
    emitWatermark(watermark) {
      output.emitWatermark(watermark);
    },
  };
}
