/**
 * JoinBolt → a window over the tagged union of its inputs and a window function that does
 * compat's hash join. The runtime has no windowed join operator, so the join is generated as a
 * function (appended to the module) specialized to the bolt's literal configuration: the first
 * stream probes, each joined stream is hashed on its field and matched against the prior
 * stream's join field (inner or left), and `select` projects the first non-null value of each
 * output field over the joined records, as compat's JoinBolt does. Only what is literal and has
 * the same trigger and eviction is converted: a count, event- or processing-time window on one
 * task, inputs selected by source component, flat field names. On several tasks only a
 * processing-time window whose inputs are each fields-grouped on their join field is converted,
 * keyed by the join key. Stream selectors, output streams and the other several-task shapes are
 * left with the reason.
 */
import { Node, type Expression } from 'ts-morph';
import { windowSpan, type WiredComponent, type Wiring } from '../../analyze/index.ts';
import { fieldAccess, propertyName, recordType, type Planner, type RecordShape, type RuleInfo } from '../planner.ts';
import { isCompatName, readChain } from './connector-support.ts';
import {
  eventTimeInputOnSeveralTasks,
  lateFilter,
  lateSubscribers,
  skewFinding,
  stormOffset,
  watermarksCall,
} from './windows-time.ts';

export const rule: RuleInfo = {
  name: 'join',
  description:
    'JoinBolt becomes a window of the same trigger over its tagged inputs with the same hash join: count and time windows on one task, processing-time windows on several tasks keyed by the join key.',
  codes: {
    SS921: {
      status: 'partial',
      title:
        'JoinBolt (count window, one task) → union of the tagged inputs, keyBy(() => 0).countWindow(size, slide) and a generated hash-join window function (same join order, inner/left joins and select); join keys compare as JavaScript values (SameValueZero: 5 and 5n differ, objects by identity), where compat compared their stable encoding',
      manualStep:
        'none for string and number keys; which tuples share a window depends on how the inputs interleave, on compat as on the runtime',
    },
    SS923: {
      status: 'partial',
      title:
        'JoinBolt (event-time window, one task) → per-input timestamps and watermarks (Storm’s max − lag, held at the end of input), the late filter, an event-time window with Storm’s window ends and the generated hash join; join keys compare as JavaScript values (as SS921)',
      manualStep: 'none for string and number keys',
    },
    SS924: {
      status: 'partial',
      title:
        "JoinBolt (processing-time window, one task) → processing-time window aligned to the task's start ({ alignTo: 'start' }, Storm's window ends, as SS631) and the generated hash join; equal when timers fire on time; join keys compare as JavaScript values (as SS921)",
      manualStep:
        'none for string and number keys if timers fire on time; otherwise move to event time with withTimestampField',
    },
    SS925: {
      status: 'partial',
      title:
        "JoinBolt (processing-time window, several tasks, every input fields-grouped on its join field alone) → as SS924, keyed by the join key with the bolt's parallelism: a Storm task's window then holds whole keys and the hash join only matches equal keys, so per-key windows give the same rows; equal when every task's timers fire on time",
      manualStep:
        'none for string and number keys if timers fire on time; otherwise move to event time with withTimestampField',
    },
    SS922: {
      status: 'left',
      title:
        'JoinBolt not provable (count window in event time, late stream read downstream, stream selector, output stream, nested or unknown fields, inputs not in the join; on several tasks: a count or event-time window, or an input not fields-grouped on its join field alone)',
      manualStep:
        'write the join by hand: union the tagged inputs, window them, and join the window in a process function',
    },
  },
};

const NAME = rule.name;

export interface JoinInput {
  wired: WiredComponent;
  shape: RecordShape;
  variable: string;
}

interface Selector {
  stream: string | undefined;
  field: string;
  output: string;
}

function selector(text: string): Selector {
  const pos = text.indexOf(':');
  if (pos > 0) return { stream: text.slice(0, pos).trim(), field: text.slice(pos + 1), output: text.trim() };
  const output = (pos === 0 ? text.slice(1) : text).trim();
  return { stream: undefined, field: output, output };
}

function literal(e: Expression | undefined): string | undefined {
  return e && (Node.isStringLiteral(e) || Node.isNoSubstitutionTemplateLiteral(e)) ? e.getLiteralValue() : undefined;
}

export function planJoinBolt(
  p: Planner,
  c: WiredComponent,
  wiring: Wiring,
  instance: Expression,
  inputs: JoinInput[],
  options: string,
): { calls: string[]; shape: RecordShape } {
  const fail = (node: Node, reason: string): never =>
    p.block(NAME, 'SS922', node, c.id!, reason, rule.codes.SS922!.manualStep!);
  const { root, calls } = readChain(instance);
  if (!Node.isNewExpression(root)) return fail(instance, 'JoinBolt is not built in one chain');
  const ctor = root.getArguments() as Expression[];
  if (ctor.length !== 2) return fail(root, 'JoinBolt with a selector type (inputs by stream id)');
  const first = literal(ctor[0]);
  const firstField = literal(ctor[1]);
  if (first === undefined || firstField === undefined) return fail(root, 'JoinBolt arguments are not string literals');
  const streams: Array<{ id: string; field: string; left: boolean; prior: number }> = [
    { id: first, field: firstField, left: false, prior: -1 },
  ];
  let select: Selector[] | undefined;
  let window: { size: number; slide: number } | undefined;
  let time: { lengthMs: number; slideMs: number } | undefined;
  let timestampField: string | undefined;
  let lagMs = 0;
  let lateStream: string | undefined;
  const ms = (e: Expression | undefined): number | undefined => {
    const span = windowSpan(e);
    return span && 'ms' in span ? span.ms : undefined;
  };
  const count = (e: Expression | undefined): number | undefined => {
    if (!e || !Node.isCallExpression(e) || e.getArguments().length !== 1) return undefined;
    const callee = e.getExpression();
    if (!Node.isPropertyAccessExpression(callee) || !isCompatName(p, callee.getExpression(), 'Count')) return undefined;
    if (callee.getName() !== 'of') return undefined;
    const n = e.getArguments()[0]!;
    return Node.isNumericLiteral(n) && Number.isInteger(n.getLiteralValue()) && n.getLiteralValue() >= 1
      ? n.getLiteralValue()
      : undefined;
  };
  for (const call of calls) {
    const [a, b, d] = call.args;
    if (call.name === 'join' || call.name === 'leftJoin') {
      const [id, field, prior] = [literal(a), literal(b), literal(d)];
      if (id === undefined || field === undefined || prior === undefined)
        return fail(call.node, `${call.name} arguments are not string literals`);
      const priorIndex = streams.findIndex((s) => s.id === prior);
      if (priorIndex < 0 || streams.some((s) => s.id === id))
        return fail(call.node, `${call.name}('${id}', ..., '${prior}') (compat rejects it)`);
      streams.push({ id, field, left: call.name === 'leftJoin', prior: priorIndex });
    } else if (call.name === 'select') {
      const text = literal(a);
      if (text === undefined) return fail(call.node, 'select(...) is not a string literal');
      const parts = text.split(',');
      while (parts.length > 1 && parts.at(-1) === '') parts.pop();
      select = parts.map(selector);
    } else if (call.name === 'withTumblingWindow' && call.args.length === 1 && count(a) !== undefined) {
      window = { size: count(a)!, slide: count(a)! };
    } else if (call.name === 'withWindow' && call.args.length === 2 && count(a) && count(b)) {
      window = { size: count(a)!, slide: count(b)! };
    } else if (call.name === 'withTumblingWindow' && call.args.length === 1 && ms(a) !== undefined) {
      time = { lengthMs: ms(a)!, slideMs: ms(a)! };
    } else if (call.name === 'withWindow' && call.args.length === 2 && ms(a) !== undefined && ms(b) !== undefined) {
      time = { lengthMs: ms(a)!, slideMs: ms(b)! };
    } else if (call.name === 'withTimestampField' && call.args.length === 1 && literal(a) !== undefined) {
      timestampField = literal(a);
    } else if (call.name === 'withLag' && call.args.length === 1 && ms(a) !== undefined) {
      lagMs = ms(a)!;
    } else if (call.name === 'withLateTupleStream' && call.args.length === 1 && literal(a) !== undefined) {
      lateStream = literal(a);
    } else if (call.name === 'withWatermarkInterval' && call.args.length === 1 && ms(a) !== undefined) {
      p.finding(
        'windows-time',
        'SS632',
        'partial',
        call.node,
        c.id!,
        `watermarks every ${ms(a)} ms on Storm; the runtime uses the job's watermarkIntervalMs`,
        'set watermarkIntervalMs in the job config if the interval matters',
      );
    } else
      return fail(
        call.node,
        `\`.${call.name}(${call.args.map((x) => x.getText()).join(', ')})\`: not a literal window (Count/Duration) or event-time setting`,
      );
  }
  if (!select) return fail(instance, 'no select(...) (compat fails at prepare)');
  if (!window && !time) return fail(instance, 'no window');
  if (window && time) return fail(instance, 'both a count and a duration window');
  if (window && timestampField !== undefined)
    return fail(instance, 'count window in event time (watermark count trigger): no native counterpart');
  if (time && time.slideMs > time.lengthMs) return fail(instance, 'slide longer than the window');
  if (lateStream !== undefined && timestampField === undefined)
    return fail(instance, 'late tuple stream without a timestamp field (compat fails at prepare)');
  // Independent of each other: every one is reported.
  const problems = lateSubscribers(c, lateStream, wiring);
  const parallelism = c.parallelism?.getText();
  const severalTasks = parallelism !== undefined && parallelism !== '1';
  if (severalTasks && window)
    problems.push({
      node: c.parallelism!,
      reason: `count windows per task over ${parallelism} tasks: a task's window counts the tuples of every key compat's hash sends it, in arrival order, and a native count window counts one key's`,
    });
  else if (severalTasks && timestampField !== undefined)
    problems.push({
      node: c.parallelism!,
      reason: `event-time windows per task over ${parallelism} tasks: each task's watermark follows the timestamps of its own keys on Storm, the runtime's follows all of them, so which tuples are late and the last windows before the end of input differ`,
    });
  else if (severalTasks)
    // A Storm task's processing-time window holds whole keys when every input is grouped on its
    // join field, and the hash join only matches equal keys: per-key windows give the same rows.
    for (const g of c.groupings) {
      const field = streams.find((s) => s.id === g.source)?.field;
      if (field === undefined) continue;
      if (g.kind === 'fields' && g.stream === undefined && g.fields?.length === 1 && g.fields[0] === field) continue;
      // The grouping's own line: the call node starts where the builder chain does.
      const callee = g.node.getExpression();
      problems.push({
        node: Node.isPropertyAccessExpression(callee) ? callee.getNameNode() : g.node,
        reason: `'${g.source}' is not fields-grouped on its join field '${field}' alone (\`.${g.method}(...)\`${g.fields ? ` on ${g.fields.join(', ')}` : ''}): over ${parallelism} tasks, tuples that join could meet on different tasks, so compat's rows depend on its task choice`,
      });
    }
  if (timestampField !== undefined)
    for (const input of inputs) {
      const tasks = eventTimeInputOnSeveralTasks(input.wired);
      if (tasks) problems.push(tasks);
    }
  p.blockAll(NAME, 'SS922', c.id!, rule.codes.SS922!.manualStep!, problems);
  const shapes = new Map<string, RecordShape>();
  for (const [i, g] of c.groupings.entries()) {
    if (g.stream !== undefined || !['shuffle', 'localOrShuffle', 'none', 'global', 'fields', 'all'].includes(g.kind))
      return fail(g.node, `\`.${g.method}(...)\` into a JoinBolt`);
    if (!streams.some((s) => s.id === g.source))
      return fail(g.node, `input '${g.source}' is not part of the join (compat fails on its first tuple)`);
    if (shapes.has(g.source!)) return fail(g.node, `'${g.source}' is subscribed twice`);
    shapes.set(g.source!, inputs[i]!.shape);
  }
  for (const s of streams) {
    const shape = shapes.get(s.id);
    if (!shape) return fail(instance, `join stream '${s.id}' is not an input of '${c.id}'`);
    if (!shape.fields.includes(s.field)) return fail(instance, `'${s.id}' has no field '${s.field}'`);
    if (timestampField !== undefined && !shape.fields.includes(timestampField))
      return fail(instance, `'${s.id}' has no timestamp field '${timestampField}'`);
  }
  for (const sel of select) {
    if (sel.field.includes('.')) return fail(instance, `nested field '${sel.output}'`);
    if (sel.stream !== undefined && !streams.some((s) => s.id.toLowerCase() === sel.stream!.toLowerCase()))
      return fail(instance, `select names stream '${sel.stream}', which is not in the join`);
  }

  // The generated window function.
  const fnName = `${c.id!.replace(/[^A-Za-z0-9]+(.)?/g, (_m, x: string | undefined) => (x ? x.toUpperCase() : '')).replace(/^[^A-Za-z_$]+/, '')}Join`;
  const output: RecordShape = {
    fields: select.map((s) => s.output),
    types: new Map(select.map((s) => [s.output, 'unknown'])),
  };
  const row = (i: number): string => `row[${i}]`;
  const value = (i: number, field: string): string => `${fieldAccess(`${row(i)}?`, field).replace(/\?\[/, '?.[')}`;
  const i1 = p.style.indent;
  const i2 = i1 + i1;
  const i3 = i2 + i1;
  const tagged = `{ source: string; record: Record<string, unknown> }`;
  const lines = [
    '',
    `/** The JoinBolt '${c.id}' of compat: a hash join of each window (${streams.map((s, i) => (i === 0 ? `'${s.id}' on ${s.field}` : `${s.left ? 'left join' : 'join'} '${s.id}' on ${s.field} = '${streams[s.prior]!.id}'.${streams[s.prior]!.field}`)).join(', ')}). */`,
    `function ${fnName}(_key: ${severalTasks ? 'unknown' : 'number'}, elements: Array<${tagged}>, out: Collector<${recordType(output)}>): void {`,
    `${i1}const tables = [${streams
      .slice(1)
      .map(() => 'new Map<unknown, Array<Record<string, unknown>>>()')
      .join(', ')}];`,
    `${i1}let rows: Array<Array<Record<string, unknown> | undefined>> = [];`,
    `${i1}for (const { source, record } of elements) {`,
    `${i2}if (source === '${first}') rows.push([record]);`,
    ...streams
      .slice(1)
      .flatMap((s, j) => [
        `${i2}else if (source === '${s.id}') {`,
        `${i3}const key = ${fieldAccess('record', s.field)} ?? null;`,
        `${i3}const list = tables[${j}]!.get(key);`,
        `${i3}if (list) list.push(record);`,
        `${i3}else tables[${j}]!.set(key, [record]);`,
        `${i2}}`,
      ]),
    `${i1}}`,
    ...streams
      .slice(1)
      .flatMap((s, j) => [
        `${i1}rows = rows.flatMap((row) => {`,
        `${i2}const key = ${value(s.prior, streams[s.prior]!.field)};`,
        `${i2}if (key === null || key === undefined) return [];`,
        `${i2}const matches = tables[${j}]!.get(key);`,
        `${i2}if (matches?.length) return matches.map((match) => [...row, match]);`,
        `${i2}return ${s.left ? '[[...row, undefined]]' : '[]'};`,
        `${i1}});`,
      ]),
    `${i1}for (const row of rows) {`,
    `${i2}out.collect({ ${select
      .map((sel) => {
        const from = streams
          .map((s, i) => ({ s, i }))
          .filter(
            ({ s }) =>
              (sel.stream === undefined || s.id.toLowerCase() === sel.stream.toLowerCase()) &&
              shapes.get(s.id)!.fields.includes(sel.field),
          )
          .map(({ i }) => value(i, sel.field));
        return `${propertyName(sel.output)}: ${[...from, 'null'].join(' ?? ')}`;
      })
      .join(', ')} });`,
    `${i1}}`,
    '}',
    '',
  ];
  const text = p.facts.sourceFile.getFullText();
  p.edits.insert(text.length, p.styled(lines.join('\n')).replace(/^\n?/, text.endsWith('\n') ? '' : '\n'), NAME);
  p.runtimeImports.add('type Collector');
  const tag = (i: number): string =>
    `.map((record) => ({ source: '${c.groupings[i]!.source}', record: record as Record<string, unknown> }))`;
  const stamp = (i: number): string =>
    timestampField === undefined
      ? ''
      : watermarksCall(
          timestampField,
          inputs[i]!.shape.types.get(timestampField) === 'number' ? '' : ' as number',
          lagMs,
          `{ name: '${c.id}-watermarks-${c.groupings[i]!.source}', uid: '${c.id}-watermarks-${c.groupings[i]!.source}', parallelism: 1 }`,
        );
  const union = inputs.slice(1).map((inp, k) => `.union(${inp.variable}${stamp(k + 1)}${tag(k + 1)})`);
  const joined = `over ${streams.map((s) => `'${s.id}'`).join(', ')} and ${fnName} (generated at the end of the module); output fields ${output.fields.join(', ')}`;
  if (time) {
    const tumbling = time.lengthMs === time.slideMs;
    const spanText = tumbling ? `${time.lengthMs}` : `${time.lengthMs}, ${time.slideMs}`;
    const eventTime = timestampField !== undefined;
    const assigner = `${tumbling ? 'Tumbling' : 'Sliding'}${eventTime ? 'Event' : 'Processing'}TimeWindows`;
    p.runtimeImports.add(assigner);
    const onTime = eventTime ? lateFilter(p, c.id!, tagged, lateStream) : undefined;
    // Only processing time gets here on several tasks (the rest is blocked above).
    const fieldOf = (source: string | undefined): string => streams.find((s) => s.id === source)!.field;
    const sameField = c.groupings.every((g) => fieldOf(g.source) === streams[0]!.field);
    const joinKey = sameField
      ? fieldAccess('tagged.record', streams[0]!.field)
      : `${c.groupings
          .slice(0, -1)
          .map((g) => `tagged.source === '${g.source}' ? ${fieldAccess('tagged.record', fieldOf(g.source))} : `)
          .join('')}${fieldAccess('tagged.record', fieldOf(c.groupings.at(-1)!.source))}`;
    const code = eventTime ? 'SS923' : severalTasks ? 'SS925' : 'SS924';
    if (eventTime) skewFinding(p, c.node, c.id!, streams.length);
    // Processing time: Storm's trigger fires every slide from the task's start (see windows-time).
    const of = eventTime
      ? `${spanText}, ${stormOffset(time.lengthMs, time.slideMs)}`
      : `${spanText}, { alignTo: 'start' }`;
    p.finding(
      NAME,
      code,
      'partial',
      c.node,
      c.id!,
      `JoinBolt → ${eventTime ? `event time on '${timestampField}', lag ${lagMs} ms, ` : ''}${severalTasks ? `keyed by the join key over ${parallelism} tasks, ` : ''}${assigner}.of(${of}) ${joined}`,
      rule.codes[code]!.manualStep,
    );
    return {
      calls: [
        stamp(0),
        tag(0),
        ...union,
        ...(onTime ? [`.process(${onTime}, { name: '${c.id}-late', uid: '${c.id}-late', parallelism: 1 })`] : []),
        severalTasks ? `.keyBy((tagged) => ${joinKey})` : '.keyBy((_record) => 0)',
        `.window(${assigner}.of(${of}))`,
        `.process<${recordType(output)}>((key, _window, elements, out) => ${fnName}(key, elements, out), ${options})`,
      ].filter((x) => x !== ''),
      shape: output,
    };
  }
  const size = window!.size;
  const slide = window!.slide;
  p.finding(
    NAME,
    'SS921',
    'partial',
    c.node,
    c.id!,
    `JoinBolt → countWindow(${size}${slide === size ? '' : `, ${slide}`}) ${joined}`,
    rule.codes.SS921!.manualStep,
  );
  return {
    calls: [
      tag(0),
      ...union,
      '.keyBy((_record) => 0)',
      `.countWindow(${size}${slide === size ? '' : `, ${slide}`})`,
      `.process(${fnName}, ${options})`,
    ],
    shape: output,
  };
}
