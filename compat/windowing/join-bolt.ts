import { IllegalArgumentException, RuntimeException } from '../component/exceptions.ts';
import { Fields } from '../component/fields.ts';
import type { Tuple } from '../component/tuple.ts';
import { canonicalKey } from '../component/canonical.ts';
import { BaseWindowedBolt } from './base-windowed-bolt.ts';
import type { TupleWindow } from './window.ts';
import type { OutputCollector } from '../component/collectors.ts';
import type { Conf } from '../component/config.ts';
import type { TopologyContext } from '../component/context.ts';
import type { OutputFieldsDeclarer } from '../component/interfaces.ts';

/** How JoinBolt tells its inputs apart: by source component id or by stream id. */
export enum JoinSelector {
  STREAM = 'STREAM',
  SOURCE = 'SOURCE',
}

enum JoinType {
  INNER,
  LEFT,
}

/**
 * A field reference `"stream:x.y.z"` or `"x.y.z"`; nested parts look into Maps (or plain objects)
 * held in the tuple field.
 */
class FieldSelector {
  streamName: string | null;
  readonly field: string[];
  readonly outputName: string;

  constructor(descriptor: string, stream?: string) {
    const pos = descriptor.indexOf(':');
    if (pos > 0) {
      this.streamName = descriptor.substring(0, pos).trim();
      this.outputName = descriptor.trim();
      this.field = descriptor.substring(pos + 1).split('.');
    } else {
      this.streamName = null;
      this.outputName = (pos === 0 ? descriptor.substring(1) : descriptor).trim();
      this.field = this.outputName.split('.');
    }
    if (stream !== undefined) {
      if (descriptor.includes(':')) {
        throw new IllegalArgumentException(
          `Not expecting stream qualifier ':' in '${descriptor}'. Stream name '${stream}' is implicit in this context`,
        );
      }
      this.streamName = stream;
    }
  }

  toString(): string {
    return this.outputName;
  }
}

interface JoinInfo {
  joinType: JoinType | null;
  field: FieldSelector;
  /** The prior stream's key field, qualified with that stream. */
  other: FieldSelector | null;
}

/** One partial join result: one tuple per stream joined so far (a left join may leave gaps). */
interface ResultRecord {
  tuples: Tuple[];
  out: unknown[] | null;
}

function javaSplitComma(s: string): string[] {
  // Java's String.split drops trailing empty strings.
  const parts = s.split(',');
  while (parts.length > 1 && parts[parts.length - 1] === '') parts.pop();
  return parts;
}

/**
 * Storm's JoinBolt: joins the streams of each window activation (inner or left joins chained on a
 * first stream) and emits one projected tuple per result, anchored to the tuples it was built from.
 * Only equi-joins on one field per stream, as in Storm.
 */
export class JoinBolt extends BaseWindowedBolt {
  static readonly Selector = JoinSelector;

  protected readonly selectorType: JoinSelector;
  /** Insertion-ordered: the first entry is the probe stream, the rest are joined in this order. */
  protected readonly joinCriteria = new Map<string, JoinInfo>();
  protected outputFields: FieldSelector[] | null = null;
  protected outputStreamName: string | null = null;
  private collector: OutputCollector | null = null;

  constructor(sourceId: string, fieldName: string);
  constructor(type: JoinSelector, srcOrStreamId: string, fieldName: string);
  constructor(a: string, b: string, c?: string) {
    super();
    let type: JoinSelector = JoinSelector.SOURCE;
    let id = a;
    let field = b;
    if (arguments.length >= 3) {
      type = a as JoinSelector;
      id = b;
      field = c!;
      if (type !== JoinSelector.SOURCE && type !== JoinSelector.STREAM) {
        throw new IllegalArgumentException(`Unknown JoinBolt selector ${String(a)}`);
      }
    }
    this.selectorType = type;
    this.joinCriteria.set(id, { joinType: null, field: new FieldSelector(field, id), other: null });
  }

  withOutputStream(streamName: string): this {
    this.outputStreamName = streamName;
    return this;
  }

  /** Inner join of `newStream` (on `field`) with `priorStream` (on its own join field). */
  join(newStream: string, field: string, priorStream: string): this {
    return this.joinCommon(newStream, field, priorStream, JoinType.INNER);
  }

  /** Left join: records of the prior streams without a match are kept, the new stream's fields null. */
  leftJoin(newStream: string, field: string, priorStream: string): this {
    return this.joinCommon(newStream, field, priorStream, JoinType.LEFT);
  }

  private joinCommon(newStream: string, field: string, priorStream: string, joinType: JoinType): this {
    if (this.joinCriteria.has(newStream) && this.joinCriteria.keys().next().value !== newStream) {
      throw new IllegalArgumentException(`'${newStream}' is already part of join. Cannot join with it more than once.`);
    }
    const prior = this.joinCriteria.get(priorStream);
    if (prior === undefined) {
      throw new IllegalArgumentException(`Stream '${priorStream}' was not previously declared`);
    }
    this.joinCriteria.set(newStream, {
      joinType,
      field: new FieldSelector(field, newStream),
      other: new FieldSelector(prior.field.outputName, priorStream),
    });
    return this;
  }

  /** Output fields, comma separated, each `"stream:field"` or `"field"` (nested with dots). */
  select(commaSeparatedKeys: string): this {
    this.outputFields = javaSplitComma(commaSeparatedKeys).map((f) => new FieldSelector(f));
    return this;
  }

  override declareOutputFields(declarer: OutputFieldsDeclarer): void {
    if (this.outputFields === null) {
      throw new IllegalArgumentException('Must specify output fields via .select() method.');
    }
    const names = new Fields(this.outputFields.map((f) => f.outputName));
    if (this.outputStreamName !== null) declarer.declareStream(this.outputStreamName, names);
    else declarer.declare(names);
  }

  override prepare(_topoConf: Conf, _context: TopologyContext, collector: OutputCollector): void {
    this.collector = collector;
    if (this.outputFields === null) {
      throw new IllegalArgumentException('Must specify output fields via .select() method.');
    }
  }

  override execute(inputWindow: TupleWindow): void {
    const records = this.hashJoin(inputWindow.get());
    const collector = this.collector!;
    for (const r of records) {
      // Explicit anchors: each result hangs off the tuples it joined, not the whole window.
      if (this.outputStreamName === null) collector.emit(r.tuples, r.out!);
      else collector.emit(this.outputStreamName, r.tuples, r.out!);
    }
  }

  protected hashJoin(tuples: readonly Tuple[]): ResultRecord[] {
    const streams = Array.from(this.joinCriteria.keys());
    const first = streams[0]!;
    const single = streams.length === 1;
    const hashed = new Map<string, Map<string, Tuple[]>>();
    for (let i = 1; i < streams.length; i++) hashed.set(streams[i]!, new Map());
    let probe: ResultRecord[] = [];
    for (const t of tuples) {
      const stream = this.streamOf(t);
      if (stream === first) {
        probe.push(this.record([t], single));
        continue;
      }
      const info = this.joinCriteria.get(stream);
      if (info === undefined) {
        throw new RuntimeException(`Join information for '${stream}' not found. Check the join clauses.`);
      }
      const key = this.lookupField(info.field, t);
      // Java's HashMap accepts a null key; keep such tuples (they can never match a non-null probe key).
      const k = canonicalKey(key ?? null);
      const table = hashed.get(stream)!;
      let list = table.get(k);
      if (list === undefined) table.set(k, (list = []));
      list.push(t);
    }
    for (let i = 1; i < streams.length; i++) {
      const stream = streams[i]!;
      const info = this.joinCriteria.get(stream)!;
      probe = this.doJoin(probe, hashed.get(stream)!, info, i === streams.length - 1);
    }
    return probe;
  }

  private doJoin(
    probe: ResultRecord[],
    build: Map<string, Tuple[]>,
    info: JoinInfo,
    finalJoin: boolean,
  ): ResultRecord[] {
    const result: ResultRecord[] = [];
    const other = info.other!;
    for (const rec of probe) {
      const probeKey = this.recordField(rec, other);
      if (probeKey == null) continue;
      const matches = build.get(canonicalKey(probeKey));
      if (matches !== undefined && matches.length > 0) {
        for (const m of matches) result.push(this.record([...rec.tuples, m], finalJoin));
      } else if (info.joinType === JoinType.LEFT) {
        result.push(this.record(rec.tuples.slice(), finalJoin));
      }
    }
    return result;
  }

  private record(tuples: Tuple[], project: boolean): ResultRecord {
    return { tuples, out: project ? this.project(tuples) : null };
  }

  private project(tuples: readonly Tuple[]): unknown[] {
    const fields = this.outputFields!;
    const out: unknown[] = new Array(fields.length);
    for (let i = 0; i < fields.length; i++) {
      let v: unknown = null;
      for (const t of tuples) {
        const f = this.lookupField(fields[i]!, t);
        if (f != null) {
          v = f;
          break;
        }
      }
      out[i] = v;
    }
    return out;
  }

  private recordField(rec: ResultRecord, selector: FieldSelector): unknown {
    for (const t of rec.tuples) {
      const v = this.lookupField(selector, t);
      if (v != null) return v;
    }
    return null;
  }

  private streamOf(t: Tuple): string {
    return this.selectorType === JoinSelector.STREAM ? t.getSourceStreamId() : t.getSourceComponent();
  }

  protected lookupField(selector: FieldSelector, t: Tuple): unknown {
    if (selector.streamName !== null && selector.streamName.toLowerCase() !== this.streamOf(t).toLowerCase()) {
      return null;
    }
    const path = selector.field;
    if (!t.contains(path[0]!)) return null;
    let cur: unknown = t.getValueByField(path[0]!);
    for (let i = 1; i < path.length; i++) {
      if (cur instanceof Map) cur = cur.get(path[i]);
      else if (cur !== null && typeof cur === 'object') cur = (cur as Record<string, unknown>)[path[i]!];
      else cur = undefined;
      if (cur == null) return null;
    }
    return cur;
  }
}

// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace JoinBolt {
  type Selector = JoinSelector;
}
