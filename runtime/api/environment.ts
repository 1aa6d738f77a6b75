import { JobGraphError } from '../errors.ts';
import { buildPlan, type PhysicalPlan } from '../graph/plan.ts';
import type { InputEdge, OperatorFactoryContext, Transformation } from '../graph/transformation.ts';
import { JobRunner, type JobHandle, type JobResult } from '../execution/job-runner.ts';
import { SourceOperator } from '../operators/source-operator.ts';
import { collectionSource } from '../connectors/collection.ts';
import { fileLinesSource, type FileLinesOptions } from '../connectors/file-lines.ts';
import { generatorSource, type GeneratorOptions } from '../connectors/generator.ts';
import { validateJobConfig, type JobConfig } from './config.ts';
import { checkOptions, DataStream, type OperatorOptions } from './data-stream.ts';
import type { KeySelector } from './functions.ts';
import type { StreamOperator } from './operator.ts';
import type { Source } from './source.ts';

export interface SourceOptions extends OperatorOptions {
  /** The source cannot run in parallel (its parallelism is fixed at 1). */
  nonParallel?: boolean;
}

interface NewTransformation {
  kind: Transformation['kind'];
  name: string;
  options: OperatorOptions | undefined;
  inputs: InputEdge[];
  source?: Source<unknown>;
  createOperator: (context: OperatorFactoryContext) => StreamOperator<any, any>;
  keySelector?: KeySelector<any, unknown>;
  keyedUse?: string | undefined;
  nonParallel?: boolean;
}

/**
 * Where a job is built and run (Flink's StreamExecutionEnvironment). Building only records
 * transformations; `execute` validates the graph, plans chains and runs it.
 */
export class StreamEnvironment {
  readonly transformations: Transformation[] = [];
  private nextId = 0;

  private constructor(readonly config: JobConfig) {}

  static create(config: JobConfig = {}): StreamEnvironment {
    validateJobConfig(config);
    return new StreamEnvironment({ ...config });
  }

  /** Changes job options after creation (the CLI overlays its flags this way). */
  configure(overrides: JobConfig): this {
    const merged = { ...this.config, ...overrides, checkpoint: { ...this.config.checkpoint, ...overrides.checkpoint } };
    validateJobConfig(merged);
    Object.assign(this.config, merged);
    return this;
  }

  fromSource<T>(source: Source<T>, options: SourceOptions = {}): DataStream<T> {
    const name = options.name ?? 'Source';
    checkOptions(name, options, ['nonParallel']);
    const batchSize = this.config.batchSize ?? 512;
    const node = this.addTransformation({
      kind: 'source',
      name,
      options,
      inputs: [],
      source: source as Source<unknown>,
      createOperator: () => new SourceOperator(source, batchSize),
      nonParallel: options.nonParallel ?? false,
    });
    return new DataStream<T>(this, [{ node, sideTag: undefined, partitioner: undefined }]);
  }

  fromCollection<T>(items: readonly T[], options: SourceOptions = {}): DataStream<T> {
    return this.fromSource(collectionSource(items), { name: 'Collection', nonParallel: true, ...options });
  }

  generate<T>(generator: GeneratorOptions<T>, options: SourceOptions = {}): DataStream<T> {
    return this.fromSource(generatorSource(generator), { name: 'Generator', ...options });
  }

  readTextFile(paths: string | string[], options: SourceOptions & FileLinesOptions = {}): DataStream<string> {
    const { follow, chunkBytes, ...rest } = options;
    return this.fromSource(fileLinesSource(paths, { follow, chunkBytes }), { name: 'TextFile', ...rest });
  }

  /** @internal */
  addTransformation(spec: NewTransformation): Transformation {
    const id = this.nextId++;
    const name = spec.options?.name ?? spec.name;
    if (
      spec.options?.parallelism !== undefined &&
      !(Number.isInteger(spec.options.parallelism) && spec.options.parallelism >= 1)
    ) {
      throw new JobGraphError(
        `operator '${name}': parallelism must be an integer >= 1, got ${String(spec.options.parallelism)}`,
      );
    }
    const transformation: Transformation = {
      id,
      name,
      uid: spec.options?.uid ?? `${id}:${name}`,
      parallelism: spec.options?.parallelism,
      maxParallelismOne: spec.nonParallel ?? false,
      chaining: spec.options?.chaining ?? true,
      kind: spec.kind,
      inputs: spec.inputs,
      ...(spec.source ? { source: spec.source } : {}),
      createOperator: spec.createOperator,
      ...(spec.keySelector ? { keySelector: spec.keySelector } : {}),
      ...(spec.keyedUse !== undefined ? { keyedUse: spec.keyedUse } : {}),
      sideTags: new Set(),
    };
    this.transformations.push(transformation);
    return transformation;
  }

  /** The physical plan this environment would run: chains, parallelism, network edges. */
  plan(jobName?: string): PhysicalPlan {
    return buildPlan(
      jobName ?? this.config.jobName ?? 'job',
      this.transformations,
      this.config.parallelism ?? 1,
      this.config.maxParallelism ?? 128,
    );
  }

  /** Starts the job and returns a handle right away. */
  executeAsync(jobName?: string): JobHandle {
    const plan = this.plan(jobName);
    return new JobRunner(plan, this.config);
  }

  /** Runs the job to its end (bounded sources) and resolves with its result; rejects if it fails for good. */
  execute(jobName?: string): Promise<JobResult> {
    // Build errors (bad graph, bad parallelism) must arrive as a rejection: a Promise-returning
    // call that throws synchronously escapes `execute().catch(...)` and `.then(ok, failed)` chains.
    try {
      return this.executeAsync(jobName).result;
    } catch (error) {
      return Promise.reject(error);
    }
  }
}
