/**
 * windows-time: windowed bolts on durations, in event time or processing time, on one task.
 *
 * Event time (`withTimestampField`), compat as Storm (docs/STORM-COMPAT.md §9): the watermark is
 * min over input streams of the latest timestamp − lag; a watermark evaluates every window whose
 * end E ≤ watermark, E a multiple of the slide, the window holding the tuples with
 * E − length < ts ≤ E; a tuple with ts below the last watermark is late and enters no window.
 * The rewrite keeps each part:
 *  - per input, `assignTimestampsAndWatermarks` with bound lag − 1 (the runtime's watermark is
 *    max − bound − 1, so it equals Storm's max − lag) and endOfInput 'hold' (a window past the
 *    last watermark never fires, on compat as here); the inputs' union takes the minimum, as Storm;
 *  - a late filter (a generated process function) drops records below the current watermark
 *    before they reach the window, Storm's per-tuple rule (the native window's own rule is per window);
 *  - the native windows [s, s + length) with offset s ≡ 1 − length (mod slide), i.e. Storm's
 *    (E − length, E] with E ≡ 0 (mod slide), firing when the watermark reaches E.
 * Processing time: a processing-time window of the same length and slide aligned to the task's
 * start (`{ alignTo: 'start' }`): Storm's trigger fires at start + k·slide and the window at F holds
 * the arrivals in [F − length, F), as the runtime's start-aligned window, which fires at F. Still
 * partial: Storm's window stretches to when a late trigger actually ran (its eviction absorbs timer
 * drift), the runtime's keeps its nominal bounds; after a restore the runtime puts what the
 * checkpoint's windows held into the restored run's windows as arrivals at its start, where
 * Storm's restarted bolt (windows not checkpointed) gets those tuples back only by replay.
 */
import type { ComponentClass, WiredComponent, WindowChain, Wiring } from '../../analyze/index.ts';
import { fieldAccess, recordType, type Planner, type RecordShape, type RuleInfo } from '../planner.ts';
import { convertCountWindowBolt } from './windows.ts';

export const rule: RuleInfo = {
  name: 'windows-time',
  description:
    'Windowed bolts on durations become native event-time windows (timestamps, lag, late tuples, Storm window ends) or processing-time windows.',
  codes: {
    SS630: {
      status: 'converted',
      title:
        'event-time windowed bolt → per-input timestamps and watermarks (bound lag − 1: the same watermark), a late filter (ts below the watermark), and an event-time window with Storm’s window ends',
    },
    SS631: {
      status: 'partial',
      title:
        "processing-time windowed bolt → processing-time window of the same length and slide aligned to the task's start ({ alignTo: 'start' }): windows end at start + k·slide and hold the arrivals in [end − length, end), as Storm's; equal when timers fire on time (verify replays it on a simulated clock). Storm's window stretches to when a late trigger actually ran, the runtime's keeps its bounds. After a restore, what the checkpoint's windows held goes into the restored run's windows as arrivals at its start (a sliding window whose length is not a multiple of its slide keeps only its earliest window's, which misses what arrived after that window's end if its timer was overdue at the checkpoint); Storm's restarted bolt starts with empty windows, and gets their tuples back by replay after the message timeout with acking, or never without",
      manualStep: 'none if timers fire on time; otherwise move to event time with withTimestampField',
    },
    SS633: {
      status: 'partial',
      title:
        'event-time window over several inputs: Storm’s window scan stops at the first queued tuple more than the lag past the window end, so tuples of another input queued after it are left out of that window; the runtime keeps every on-time tuple. Equal when the inputs arrive within the lag of each other',
      manualStep: 'none if the inputs keep pace (skew below the lag); otherwise expect fuller windows than on Storm',
    },
    SS632: {
      status: 'partial',
      title:
        'withWatermarkInterval: the runtime emits watermarks on its job-wide interval (watermarkIntervalMs), not per component; only when windows fire changes, not what they hold for input within the lag',
      manualStep: "set watermarkIntervalMs in the job's config if the interval matters",
    },
  },
};

const NAME = rule.name;
const STORM_WATERMARK_INTERVAL_MS = 1000;

export interface TimeWindowInput {
  wired: WiredComponent;
  shape: RecordShape;
  variable: string;
}

/** The blockers of a duration-window bolt, every one (an empty list: convertible). */
function blockers(
  c: WiredComponent,
  window: WindowChain,
  inputs: TimeWindowInput[],
  wiring: Wiring,
): Array<{ node: import('ts-morph').Node; reason: string }> {
  const out = [...window.unreadable];
  const { length, slide } = window;
  if (!length || !slide) out.push({ node: window.node, reason: 'no window length and slide' });
  else if (!('ms' in length) || !('ms' in slide))
    out.push({
      node: window.node,
      reason:
        'count' in length && 'count' in slide
          ? 'count window in event time (watermark count trigger): no native counterpart'
          : 'window mixing a count and a duration: no native counterpart',
    });
  else if (slide.ms > length.ms)
    out.push({ node: window.node, reason: 'slide longer than the window (tuples between windows are skipped)' });
  const eventTime = window.timestampField !== undefined;
  if (window.lateStream !== undefined && !eventTime)
    out.push({ node: window.node, reason: 'late tuple stream without a timestamp field (compat fails at prepare)' });
  out.push(...lateSubscribers(c, window.lateStream, wiring));
  if (eventTime) {
    for (const input of inputs) {
      const tasks = eventTimeInputOnSeveralTasks(input.wired);
      if (tasks) out.push(tasks);
      if (!input.shape.fields.includes(window.timestampField!))
        out.push({
          node: window.node,
          reason: `input '${input.wired.id}' has no field '${window.timestampField}' (fields: ${input.shape.fields.join(', ')})`,
        });
    }
  }
  return out;
}

/** An event-time input on several tasks: Storm's watermark takes the latest timestamp over its tasks, the runtime's the minimum. */
export function eventTimeInputOnSeveralTasks(
  input: WiredComponent,
): { node: import('ts-morph').Node; reason: string } | undefined {
  const n = input.parallelism?.getText();
  if (n === undefined || n === '1') return undefined;
  return {
    node: input.parallelism!,
    reason: `input '${input.id}' runs on ${n} tasks: Storm takes the latest timestamp over its tasks, the runtime the minimum`,
  };
}

/**
 * Plans a windowed bolt with a duration window: converts the class into a window function and
 * returns the calls that build its stream from its inputs. Every blocker is recorded before the
 * first is thrown, so the report lists them all.
 */
export function planTimeWindowBolt(
  p: Planner,
  c: WiredComponent,
  comp: ComponentClass,
  inputs: TimeWindowInput[],
  input: RecordShape,
  output: RecordShape,
  wiring: Wiring,
  options: (id: string, parallelism?: string) => string,
): { head: string; calls: string[]; recordType: string } {
  const window = c.window!;
  p.blockAll('windows', 'SS601', c.id!, MANUAL, blockers(c, window, inputs, wiring));
  const lengthMs = (window.length as { ms: number }).ms;
  const slideMs = (window.slide as { ms: number }).ms;
  const plan = convertCountWindowBolt(p, comp, input, output, { size: lengthMs, slide: slideMs }, { lengthMs });
  const id = c.id!;
  const parallelism = c.parallelism?.getText();
  const tumbling = lengthMs === slideMs;
  const shape = tumbling ? `${lengthMs}` : `${lengthMs}, ${slideMs}`;
  const kind = tumbling ? `tumbling ${lengthMs} ms` : `${lengthMs} ms sliding by ${slideMs} ms`;
  const process = `.process(${c.instance.getText()}.window, ${options(id, parallelism)})`;
  if (window.timestampField === undefined) {
    const assigner = tumbling ? 'TumblingProcessingTimeWindows' : 'SlidingProcessingTimeWindows';
    const of = `${assigner}.of(${shape}, { alignTo: 'start' })`;
    p.runtimeImports.add(assigner);
    p.finding(
      NAME,
      'SS631',
      'partial',
      window.node,
      comp.name,
      `processing-time window, ${kind}: ${of}`,
      rule.codes.SS631!.manualStep,
    );
    return {
      head: inputs[0]!.variable,
      calls: [
        ...inputs.slice(1).map((i) => `.union(${i.variable})`),
        '.keyBy((_record) => 0)',
        `.window(${of})`,
        process,
      ],
      recordType: plan.recordType,
    };
  }

  const field = window.timestampField;
  const lag = window.lagMs ?? 0;
  const typed = input.types.get(field) === 'number' ? '' : ' as number';
  const watermarks = (i: number): string =>
    watermarksCall(
      field,
      typed,
      lag,
      options(inputs.length === 1 ? `${id}-watermarks` : `${id}-watermarks-${inputs[i]!.wired.id}`, '1'),
    );
  const offset = stormOffset(lengthMs, slideMs);
  const assigner = tumbling ? 'TumblingEventTimeWindows' : 'SlidingEventTimeWindows';
  p.runtimeImports.add(assigner);
  const onTime = lateFilter(p, id, recordType(input), window.lateStream);
  p.finding(
    NAME,
    'SS630',
    'converted',
    window.node,
    comp.name,
    `event time on '${field}', lag ${lag} ms, ${kind}: ${assigner}.of(${shape}, ${offset}) after ${onTime}`,
  );
  if (inputs.length > 1) skewFinding(p, window.node, comp.name, inputs.length);
  if (window.watermarkIntervalMs !== undefined && window.watermarkIntervalMs !== STORM_WATERMARK_INTERVAL_MS)
    p.finding(
      NAME,
      'SS632',
      'partial',
      window.node,
      comp.name,
      `watermarks every ${window.watermarkIntervalMs} ms on Storm; the runtime uses the job's watermarkIntervalMs`,
      rule.codes.SS632!.manualStep,
    );
  return {
    head: inputs[0]!.variable,
    calls: [
      watermarks(0),
      ...inputs.slice(1).map((inp, k) => `.union(${inp.variable}${watermarks(k + 1)})`),
      `.process(${onTime}, ${options(`${id}-late`, '1')})`,
      '.keyBy((_record) => 0)',
      `.window(${tumbling ? `${assigner}.of(${lengthMs}, ${offset})` : `${assigner}.of(${lengthMs}, ${slideMs}, ${offset})`})`,
      process,
    ],
    recordType: plan.recordType,
  };
}

const MANUAL =
  'rewrite with keyBy(...).window(assigner) after assignTimestampsAndWatermarks, with a window function of the same triggers and eviction';

/** `.assignTimestampsAndWatermarks(...)` giving Storm's watermark (max − lag) and holding it when the input ends. */
export function watermarksCall(field: string, cast: string, lagMs: number, options: string): string {
  return `.assignTimestampsAndWatermarks({ timestamp: (record) => ${fieldAccess('record', field)}${cast}, maxOutOfOrdernessMs: ${lagMs - 1}, endOfInput: 'hold' }, ${options})`;
}

/** The native window offset whose windows [s, s + length) are Storm's (E − length, E] with E a multiple of the slide. */
export function stormOffset(lengthMs: number, slideMs: number): number {
  return (((1 - lengthMs) % slideMs) + slideMs) % slideMs;
}

/**
 * Appends the late filter of component `id` to the module (Storm's per-tuple rule: a record below
 * the current watermark enters no window) and returns its name.
 */
export function lateFilter(p: Planner, id: string, type: string, lateStream: string | undefined): string {
  p.runtimeImports.add('type ProcessContext');
  p.runtimeImports.add('type Collector');
  const name = `${id.replace(/[^A-Za-z0-9]+(.)?/g, (_m, x: string | undefined) => (x ? x.toUpperCase() : '')).replace(/^[^A-Za-z_$]+/, '')}OnTime`;
  const i1 = p.style.indent;
  const text = p.facts.sourceFile.getFullText();
  const helper = [
    '',
    `/** Storm's late tuples for '${id}': a record older than the last watermark enters no window${lateStream ? ` (compat emitted it on '${lateStream}', which nothing reads)` : ''}. */`,
    `function ${name}(record: ${type}, context: ProcessContext, out: Collector<${type}>): void {`,
    `${i1}if (context.timestamp !== undefined && context.timestamp >= context.currentWatermark()) out.collect(record);`,
    '}',
    '',
  ].join('\n');
  p.edits.insert(text.length, `${text.endsWith('\n') ? '' : '\n'}${p.styled(helper)}`, NAME);
  return name;
}

/** Components subscribed to the late tuple stream of `c`: a blocker each (a late side output is written by hand). */
export function lateSubscribers(
  c: WiredComponent,
  lateStream: string | undefined,
  wiring: Wiring,
): Array<{ node: import('ts-morph').Node; reason: string }> {
  const out: Array<{ node: import('ts-morph').Node; reason: string }> = [];
  if (lateStream === undefined) return out;
  for (const other of wiring.components)
    for (const g of other.groupings)
      if (g.source === c.id && g.stream === lateStream)
        out.push({
          node: g.node,
          reason: `'${other.id}' subscribes to the late tuple stream '${lateStream}' (a side output of late records, by hand)`,
        });
  return out;
}

/** SS633 for an event-time window fed by `n` inputs. */
export function skewFinding(p: Planner, node: import('ts-morph').Node, construct: string, n: number): void {
  p.finding(
    NAME,
    'SS633',
    'partial',
    node,
    construct,
    `${n} inputs in event time: Storm leaves out of a window the tuples queued after one more than the lag past its end`,
    rule.codes.SS633!.manualStep,
  );
}
