/** Storm's flux-wrappers and the small testing classes Flux files name, ported. */
import { BaseBasicBolt } from '../component/base.ts';
import type { BasicOutputCollector } from '../component/collectors.ts';
import type { Conf } from '../component/config.ts';
import type { WorkerTopologyContext } from '../component/context.ts';
import { Fields } from '../component/fields.ts';
import type { GlobalStreamId } from '../component/global-stream-id.ts';
import type { CustomStreamGrouping, OutputFieldsDeclarer } from '../component/interfaces.ts';
import type { Tuple } from '../component/tuple.ts';
import { ShellBolt } from '../multilang/shell-bolt.ts';
import { ShellSpout } from '../multilang/shell-spout.ts';

function declareAll(declarer: OutputFieldsDeclarer, outputFields: Record<string, string[]>): void {
  for (const [stream, fields] of Object.entries(outputFields)) {
    if (stream === 'default') declarer.declare(new Fields(fields));
    else declarer.declareStream(stream, new Fields(fields));
  }
}

/** `org.apache.storm.flux.wrappers.bolts.FluxShellBolt`: a ShellBolt whose streams come from YAML. */
export class FluxShellBolt extends ShellBolt {
  private readonly outputFields: Record<string, string[]> = {};
  private componentConfig: Conf | null = null;

  constructor(command: string[], outputFields?: string[]) {
    super(command);
    if (outputFields !== undefined) this.setDefaultStream(outputFields);
  }
  addComponentConfig(key: string, value: unknown): void {
    (this.componentConfig ??= {})[key] = value;
  }
  setDefaultStream(outputFields: string[]): void {
    this.setNamedStream('default', outputFields);
  }
  setNamedStream(name: string, outputFields: string[]): void {
    this.outputFields[name] = [...outputFields];
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declareAll(declarer, this.outputFields);
  }
  override getComponentConfiguration(): Conf | null {
    return this.componentConfig;
  }
}

/** `org.apache.storm.flux.wrappers.spouts.FluxShellSpout`. */
export class FluxShellSpout extends ShellSpout {
  private readonly outputFields: Record<string, string[]> = {};
  private componentConfig: Conf | null = null;

  constructor(command: string[], outputFields?: string[]) {
    super(command);
    if (outputFields !== undefined) this.setDefaultStream(outputFields);
  }
  addComponentConfig(key: string, value: unknown): void {
    (this.componentConfig ??= {})[key] = value;
  }
  setDefaultStream(outputFields: string[]): void {
    this.setNamedStream('default', outputFields);
  }
  setNamedStream(name: string, outputFields: string[]): void {
    this.outputFields[name] = [...outputFields];
  }
  declareOutputFields(declarer: OutputFieldsDeclarer): void {
    declareAll(declarer, this.outputFields);
  }
  override getComponentConfiguration(): Conf | null {
    return this.componentConfig;
  }
}

/** `org.apache.storm.flux.wrappers.bolts.LogInfoBolt`: logs every tuple at INFO. */
export class LogInfoBolt extends BaseBasicBolt {
  execute(tuple: Tuple, _collector: BasicOutputCollector): void {
    process.stderr.write(`[stormshift] info: LogInfoBolt: ${tuple.toString()}\n`);
  }
  declareOutputFields(_declarer: OutputFieldsDeclarer): void {}
}

/** `org.apache.storm.testing.NGrouping`: every tuple to the first n target tasks. */
export class NGrouping implements CustomStreamGrouping {
  private outTasks: number[] = [];
  constructor(private readonly n: number) {}
  prepare(_context: WorkerTopologyContext, _stream: GlobalStreamId, targetTasks: number[]): void {
    this.outTasks = [...targetTasks].sort((a, b) => a - b).slice(0, this.n);
  }
  chooseTasks(_taskId: number, _values: readonly unknown[]): number[] {
    return this.outTasks;
  }
}
