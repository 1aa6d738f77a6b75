/**
 * connectors: storm-kafka-client and storm-redis components become the runtime's connectors.
 *   KafkaSpout → `kafkaSource` (same brokers, topics, group, first-poll strategy, static
 *     partition assignment as compat's spout; the default translator or a translator that only
 *     maps record parts to fields);
 *   KafkaBolt → `kafkaSink` with `guarantee: 'exactly-once'` (one transaction per checkpoint);
 *   RedisStoreBolt (STRING/HASH) → `redisSink` SET/HSET (idempotent overwrite).
 * Only configuration written out in the wiring (or in a const used once) is read; anything else —
 * custom selectors, mappers with logic, Kafka properties without a native counterpart, Redis
 * LIST/SET/SORTED_SET — leaves the file unchanged with the reason.
 */
import { basename } from 'node:path';
import { Node, SyntaxKind, type ClassDeclaration, type Expression } from 'ts-morph';
import type { WiredComponent, Wiring } from '../../analyze/index.ts';
import { fieldAccess, propertyName, recordType, type Planner, type RecordShape, type RuleInfo } from '../planner.ts';
import {
  compatEnumMember,
  isCompatName,
  operand,
  readChain,
  resolveOnce,
  singleReturn,
  tupleToRecord,
} from './connector-support.ts';
import { planGrouping } from './groupings.ts';
import { planJoinBolt } from './join.ts';
import { planRedisLookupBolt } from './redis-lookup.ts';
import { identifiersIn } from '../../analyze/index.ts';

export const rule: RuleInfo = {
  name: 'connectors',
  description:
    'storm-kafka-client and storm-redis components become the Kafka source, the exactly-once Kafka sink and the Redis sink.',
  codes: {
    SS901: {
      status: 'converted',
      title:
        'KafkaSpout → kafkaSource: same brokers, topics, group and first-poll strategy, static partition assignment; offsets live in the checkpoint and are committed to the group when a checkpoint completes',
    },
    SS902: {
      status: 'partial',
      title:
        'KafkaSpout with an AT_MOST_ONCE or NO_GUARANTEE processing guarantee: the native source replays from the checkpoint after a failure',
      manualStep: 'none if replays are acceptable; state stays exactly-once',
    },
    SS903: {
      status: 'converted',
      title:
        'Kafka settings that checkpoints make unnecessary were dropped (offset commit period, max uncommitted offsets, retry service, serializer class names, acks, idempotence)',
    },
    SS904: {
      status: 'left',
      title:
        'KafkaSpout configuration not provable (not a literal builder chain, a property or translator without a native mapping, a named stream)',
      manualStep: 'write the kafkaSource options by hand (deserializer for the translator)',
    },
    SS905: {
      status: 'partial',
      title:
        "KafkaBolt → kafkaSink with guarantee 'exactly-once': records are written in one transaction per checkpoint and become visible to read_committed consumers when the checkpoint completes (compat's KafkaBolt was at-least-once and immediate)",
      manualStep:
        "read the topic with isolation.level=read_committed; use guarantee: 'at-least-once' if output must appear before the checkpoint completes",
    },
    SS906: {
      status: 'left',
      title:
        'KafkaBolt configuration not provable (custom topic selector or mapper, a producer property without a native mapping, a selector that can skip tuples)',
      manualStep: 'write the kafkaSink options by hand',
    },
    SS907: {
      status: 'converted',
      title:
        'RedisStoreBolt (STRING/HASH) → redisSink set/hset: overwrites are idempotent, so a replay after a restore leaves Redis as if each record was written once',
    },
    SS908: {
      status: 'left',
      title:
        'RedisStoreBolt not provable (LIST/SET/SORTED_SET have no native sink command, the mapper has logic beyond field reads or is used elsewhere, the pool config is not literal)',
      manualStep: 'write a redisSink (or a custom Sink for LIST/SET/SORTED_SET) by hand',
    },
  },
};

const NAME = rule.name;

/** Library components this rule converts (JoinBolt is handed to the join rule). */
export const CONNECTOR_CLASSES: ReadonlySet<string> = new Set([
  'KafkaSpout',
  'KafkaBolt',
  'RedisStoreBolt',
  'RedisLookupBolt',
  'JoinBolt',
]);

export interface ConnectorInput {
  wired: WiredComponent;
  shape: RecordShape;
  variable: string;
}

export interface ConnectorPlan {
  head: string;
  calls: string[];
  /** What the component emits (nothing for sinks). */
  shape: RecordShape;
}

/** The connector class `c` constructs (`new KafkaBolt()...` chains and consts used once included), if any. */
export function connectorClass(p: Planner, c: WiredComponent): string | undefined {
  if (!c.instance) return undefined;
  const root = readChain(resolveOnce(p, c.instance).expr).root;
  if (!Node.isNewExpression(root)) return undefined;
  const name = p.facts.compatNames.get(root.getExpression().getText());
  return name !== undefined && CONNECTOR_CLASSES.has(name) ? name : undefined;
}

/** `options` is the `{ name, uid, parallelism }` text the job rule gives every operator. */
export function planConnector(
  p: Planner,
  c: WiredComponent,
  wiring: Wiring,
  inputs: ConnectorInput[],
  options: string,
  messageTimeoutMs = 30_000,
): ConnectorPlan {
  const kind = connectorClass(p, c);
  const { expr: instance, declaration } = resolveOnce(p, c.instance);
  if (declaration) p.edits.remove(declaration, NAME);
  if (kind === 'KafkaSpout') return planKafkaSpout(p, c, instance, options);
  if (kind === 'JoinBolt') return { head: '', ...planJoinBolt(p, c, wiring, instance, inputs, options) };
  if (kind === 'RedisLookupBolt') {
    if (inputs.length !== 1)
      p.block(NAME, 'SS910', c.node, c.id!, 'RedisLookupBolt with several inputs', 'union the inputs by hand');
    const part = planGrouping(
      p,
      c.id!,
      c.groupings[0]!,
      inputs[0]!.shape,
      inputs[0]!.wired.parallelism?.getText() === c.parallelism?.getText(),
    );
    const url = (e: Expression, fail: (node: Node, reason: string) => never): string => poolUrl(p, e, fail);
    const lookup = planRedisLookupBolt(p, c, instance, inputs[0]!.shape, url, messageTimeoutMs, options);
    return { head: '', calls: [...(part.calls ? [part.calls] : []), lookup.call], shape: lookup.shape };
  }
  const code = kind === 'KafkaBolt' ? 'SS906' : 'SS908';
  const fail = (node: Node, reason: string): never =>
    p.block(NAME, code, node, c.id!, reason, rule.codes[code]!.manualStep!);
  const subscriber = wiring.components.find((o) => o.groupings.some((g) => g.source === c.id));
  if (subscriber) fail(subscriber.node, `'${subscriber.id}' subscribes to ${kind} '${c.id}', which becomes a sink`);
  if (inputs.length !== 1) fail(c.node, `${kind} with ${inputs.length} inputs`);
  const input = inputs[0]!;
  const parallelism = c.parallelism?.getText();
  const part = planGrouping(p, c.id!, c.groupings[0]!, input.shape, input.wired.parallelism?.getText() === parallelism);
  const sink =
    kind === 'KafkaBolt'
      ? planKafkaBolt(p, c, instance, input.shape, fail)
      : planRedisStoreBolt(p, c, instance, input.shape, fail);
  return {
    head: '',
    calls: [...(part.calls ? [part.calls] : []), `.sinkTo(${sink}, ${options})`],
    shape: { fields: [], types: new Map() },
  };
}

// ---- Kafka ----

const DEFAULT_FIELDS = ['topic', 'partition', 'offset', 'key', 'value'];

/** `'a:1,b:2'` → `['a:1', 'b:2']`; any other expression is split at run time as compat splits it. */
function brokersText(expr: Expression): string {
  if (Node.isStringLiteral(expr) || Node.isNoSubstitutionTemplateLiteral(expr)) {
    const list = expr
      .getLiteralValue()
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    return `[${list.map((b) => `'${b.replace(/'/g, "\\'")}'`).join(', ')}]`;
  }
  return `${operand(expr.getText())}.split(',').map((s) => s.trim()).filter(Boolean)`;
}

const RECORD_PARTS: Record<string, (r: string) => string> = {
  topic: (r) => `${r}.topic`,
  topicName: (r) => `${r}.topic`,
  partition: (r) => `${r}.partition`,
  partitionId: (r) => `${r}.partition`,
  offset: (r) => `Number(${r}.offset)`,
  offsetValue: (r) => `Number(${r}.offset)`,
  timestamp: (r) => `${r}.timestamp`,
  timestampValue: (r) => `${r}.timestamp`,
  // compat decodes key and value as UTF-8 and types them as the translator's K/V (any by default).
  key: (r) => `(${r}.key?.toString('utf8') ?? null)`,
  keyValue: (r) => `(${r}.key?.toString('utf8') ?? null)`,
  value: (r) => `(${r}.value?.toString('utf8') ?? null)`,
  valueValue: (r) => `(${r}.value?.toString('utf8') ?? null)`,
};

const METHOD_PARTS = new Set(['topic', 'partition', 'offset', 'timestamp', 'key', 'value']);

/** A translator function `(r) => [r.value(), ...]` → a deserializer returning `{ field: ... }`. */
function translatorDeserializer(
  p: Planner,
  fn: Expression,
  fieldsArg: Expression | undefined,
  fail: (node: Node, reason: string) => never,
): { text: string; shape: RecordShape } {
  if (!Node.isArrowFunction(fn) && !Node.isFunctionExpression(fn))
    return fail(fn, 'the record translator is not a function or a default translator');
  const fields =
    fieldsArg && Node.isNewExpression(fieldsArg) && isCompatName(p, fieldsArg.getExpression(), 'Fields')
      ? fieldsArg.getArguments().map((a) => (Node.isStringLiteral(a) ? a.getLiteralValue() : undefined))
      : undefined;
  if (!fields || fields.some((f) => f === undefined)) return fail(fieldsArg ?? fn, 'translator fields are not literal');
  const params = fn.getParameters();
  const body = singleReturn(fn.getBody());
  if (params.length !== 1 || !body || !Node.isArrayLiteralExpression(body))
    return fail(fn, 'the translator does more than return an array of record parts');
  const r = params[0]!.getName();
  const elements = body.getElements();
  if (elements.length !== fields.length) return fail(body, `${elements.length} values for ${fields.length} fields`);
  const types = new Map<string, string>();
  const parts = elements.map((e, i) => {
    const edits: Array<{ start: number; end: number; text: string }> = [];
    for (const id of identifiersIn(e)) {
      if (id.getText() !== r) continue;
      const access = id.getParent();
      if (!access || !Node.isPropertyAccessExpression(access) || access.getExpression() !== id)
        return fail(id, `\`${(access ?? id).getText().slice(0, 60)}\` uses the record whole`);
      const name = access.getName();
      const call = access.getParent();
      const isCall = call && Node.isCallExpression(call) && call.getExpression() === access;
      const map = RECORD_PARTS[name];
      if (!map || (isCall ? !METHOD_PARTS.has(name) || call.getArguments().length : METHOD_PARTS.has(name)))
        return fail(access, `\`${access.getText()}\` is not a record part the source decodes`);
      const target = isCall ? call! : access;
      edits.push({ start: target.getStart() - e.getStart(), end: target.getEnd() - e.getStart(), text: map(r) });
    }
    let text = e.getText();
    for (const edit of edits.sort((a, b) => b.start - a.start))
      text = text.slice(0, edit.start) + edit.text + text.slice(edit.end);
    const t = e.getType();
    types.set(fields[i]!, t.isAny() || t.isUnknown() ? 'unknown' : p.typeText(e));
    return `${propertyName(fields[i]!)}: ${text}`;
  });
  return { text: `(${r}) => ({ ${parts.join(', ')} })`, shape: { fields: fields as string[], types } };
}

function planKafkaSpout(p: Planner, c: WiredComponent, spout: Expression, options: string): ConnectorPlan {
  const fail = (node: Node, reason: string): never =>
    p.block(NAME, 'SS904', node, c.id!, reason, rule.codes.SS904!.manualStep!);
  if (!Node.isNewExpression(spout)) return fail(spout, 'KafkaSpout is configured after construction');
  const args = spout.getArguments() as Expression[];
  if (args.length !== 1) return fail(spout, 'KafkaSpout without one config argument');
  const { expr, declaration } = resolveOnce(p, args[0]!);
  const { root, calls } = readChain(expr);
  if (!isCompatName(p, root, 'KafkaSpoutConfig') || calls[0]?.name !== 'builder' || calls.at(-1)?.name !== 'build')
    return fail(expr, `\`${expr.getText().slice(0, 60)}\` is not a KafkaSpoutConfig.builder(...)...build() chain`);
  const [servers, ...topicArgs] = calls[0]!.args;
  if (!servers || topicArgs.length === 0) return fail(calls[0]!.node, 'builder without brokers and topics');
  const topics =
    topicArgs.length === 1
      ? topicArgs[0]!.getText()
      : topicArgs.every((t) => Node.isStringLiteral(t))
        ? `[${topicArgs.map((t) => t.getText()).join(', ')}]`
        : fail(calls[0]!.node, 'several topic arguments that are not all string literals');
  let groupId = `'stormshift-kafka-spout-${c.id!.replace(/'/g, "\\'")}'`;
  let startFrom = "'committed'";
  let resetTo: string | undefined;
  let autoReset: string | undefined;
  let clientId: string | undefined;
  const consumer: string[] = [];
  const dropped: string[] = [];
  let deserializer: { text: string; shape: RecordShape } | undefined;
  let guarantee = 'AT_LEAST_ONCE';
  const CONSUMER: Record<string, string> = {
    'session.timeout.ms': 'sessionTimeout',
    'heartbeat.interval.ms': 'heartbeatInterval',
    'fetch.max.wait.ms': 'maxWaitTimeInMs',
  };
  for (const call of calls.slice(1, -1)) {
    const [a, b, s] = call.args;
    switch (call.name) {
      case 'setProp': {
        const key = a && (Node.isStringLiteral(a) ? a.getLiteralValue() : undefined);
        if (key === undefined || !b) return fail(call.node, 'setProp with a key that is not a string literal');
        if (key === 'group.id') groupId = b.getText();
        else if (key === 'client.id') clientId = b.getText();
        else if (key === 'auto.offset.reset' && Node.isStringLiteral(b)) autoReset = b.getLiteralValue();
        else if (CONSUMER[key]) consumer.push(`${CONSUMER[key]}: Number(${b.getText()})`);
        else if (
          (key === 'key.deserializer' || key === 'value.deserializer') &&
          Node.isStringLiteral(b) &&
          !/ByteArray|Bytes/.test(b.getLiteralValue())
        )
          dropped.push(key);
        else return fail(call.node, `consumer property '${key}' has no native mapping here`);
        break;
      }
      case 'setFirstPollOffsetStrategy': {
        const m = compatEnumMember(p, a, 'FirstPollOffsetStrategy');
        if (m === 'EARLIEST') startFrom = "'earliest'";
        else if (m === 'LATEST') startFrom = "'latest'";
        else if (m === 'UNCOMMITTED_EARLIEST') startFrom = "'committed'";
        else if (m === 'UNCOMMITTED_LATEST') {
          startFrom = "'committed'";
          resetTo = "'latest'";
        } else return fail(call.node, 'first-poll strategy is not a FirstPollOffsetStrategy member');
        break;
      }
      case 'setProcessingGuarantee': {
        const m = compatEnumMember(p, a, 'ProcessingGuarantee');
        if (!m) return fail(call.node, 'processing guarantee is not a ProcessingGuarantee member');
        guarantee = m;
        break;
      }
      case 'setRecordTranslator': {
        if (a && Node.isNewExpression(a) && isCompatName(p, a.getExpression(), 'DefaultRecordTranslator')) {
          deserializer = undefined;
          break;
        }
        let fn = a;
        let fields = b;
        let stream = s;
        if (a && Node.isNewExpression(a) && isCompatName(p, a.getExpression(), 'SimpleRecordTranslator')) {
          [fn, fields, stream] = a.getArguments() as Expression[];
        }
        if (stream && !(Node.isStringLiteral(stream) && stream.getLiteralValue() === 'default'))
          return fail(call.node, 'the translator emits on a named stream');
        if (!fn) return fail(call.node, 'setRecordTranslator without a translator');
        deserializer = translatorDeserializer(p, fn, fields, fail);
        break;
      }
      case 'setRetry':
      case 'setMaxUncommittedOffsets':
      case 'setOffsetCommitPeriodMs':
        dropped.push(`${call.name}(...)`);
        break;
      default:
        return fail(call.node, `KafkaSpoutConfig builder call .${call.name}(...) has no native mapping here`);
    }
  }
  if (resetTo === undefined && autoReset === 'latest') resetTo = "'latest'";
  const shape: RecordShape = deserializer?.shape ?? {
    fields: DEFAULT_FIELDS,
    types: new Map([
      ['topic', 'string'],
      ['partition', 'number'],
      ['offset', 'number'],
      ['key', 'unknown'],
      ['value', 'unknown'],
    ]),
  };
  const decode =
    deserializer?.text ??
    `(record) => ({ topic: record.topic, partition: record.partition, offset: Number(record.offset), key: ${RECORD_PARTS.key!('record')}, value: ${RECORD_PARTS.value!('record')} })`;
  if (declaration) p.edits.remove(declaration, NAME);
  const source = [
    `brokers: ${brokersText(servers)}`,
    `topics: ${topics}`,
    `groupId: ${groupId}`,
    ...(clientId ? [`clientId: ${clientId}`] : []),
    // compat's spout assigns partitions round-robin over its tasks, as storm-kafka-client 2.x does.
    `assignment: 'static'`,
    `startFrom: ${startFrom}`,
    ...(resetTo ? [`resetTo: ${resetTo}`] : []),
    ...(consumer.length ? [`consumer: { ${consumer.join(', ')} }`] : []),
    `deserializer: ${decode}`,
  ];
  p.runtimeImports.add('kafkaSource');
  const rec = recordType(shape);
  p.finding(
    NAME,
    'SS901',
    'converted',
    c.node,
    c.id!,
    `KafkaSpout → kafkaSource (group ${groupId}, start ${startFrom}${resetTo ? `, reset ${resetTo}` : ''}); record ${rec}${deserializer ? '' : ' (the default translator; key and value decoded as UTF-8, as compat decodes them)'}`,
  );
  if (guarantee !== 'AT_LEAST_ONCE')
    p.finding(
      NAME,
      'SS902',
      'partial',
      c.node,
      c.id!,
      `${guarantee}: the native source resumes from the checkpoint, so records after it are read again after a failure`,
      rule.codes.SS902!.manualStep,
    );
  if (dropped.length)
    p.finding(NAME, 'SS903', 'converted', c.node, c.id!, `dropped: ${dropped.join(', ')} (checkpoints replace them)`);
  return {
    head: 'env',
    calls: [`.fromSource<${rec}>(kafkaSource({ ${source.join(', ')} }), ${options})`],
    shape,
  };
}

/** compat's KafkaBolt wire conversion (null stays null; strings and Buffers as is; objects as JSON). */
function wire(expr: string, type: string): string {
  if (type === 'string') return expr;
  if (type === 'number' || type === 'boolean') return `String(${expr})`;
  return `${expr} === null || ${expr} === undefined ? null : typeof ${expr} === 'string' || Buffer.isBuffer(${expr}) ? ${expr} : typeof ${expr} === 'object' ? JSON.stringify(${expr}) : String(${expr})`;
}

function planKafkaBolt(
  p: Planner,
  c: WiredComponent,
  instance: Expression,
  input: RecordShape,
  fail: (node: Node, reason: string) => never,
): string {
  const { root, calls } = readChain(instance);
  if (!Node.isNewExpression(root) || root.getArguments().length)
    return fail(instance, '`new KafkaBolt()` with arguments or not configured in one chain');
  let brokers: string | undefined;
  let clientId: string | undefined;
  let topic: string | undefined;
  let keyField = 'key';
  let messageField = 'message';
  const dropped: string[] = [];
  for (const call of calls) {
    const [a, b] = call.args;
    if (call.name === 'withProducerProperties') {
      if (!a || !Node.isObjectLiteralExpression(a))
        return fail(call.node, 'producer properties are not an object literal');
      for (const prop of a.getProperties()) {
        if (!Node.isPropertyAssignment(prop)) return fail(prop, 'producer property is not `key: value`');
        const nameNode = prop.getNameNode();
        const key = Node.isStringLiteral(nameNode) ? nameNode.getLiteralValue() : nameNode.getText();
        const value = prop.getInitializerOrThrow();
        if (key === 'bootstrap.servers') brokers = brokersText(value);
        else if (key === 'client.id') clientId = value.getText();
        else if (['acks', 'key.serializer', 'value.serializer', 'enable.idempotence', 'retries'].includes(key))
          dropped.push(key);
        else return fail(prop, `producer property '${key}' has no native mapping here`);
      }
    } else if (call.name === 'withTopicSelector') {
      if (!a) return fail(call.node, 'withTopicSelector()');
      const t = a.getType();
      // process.env reads are strings even where the checker does not see Node's types.
      if (t.isString() || t.isStringLiteral() || /^process\.env\.[\w$]+!?$/.test(a.getText())) topic = a.getText();
      else if (Node.isNewExpression(a) && isCompatName(p, a.getExpression(), 'DefaultTopicSelector'))
        topic = a.getArguments()[0]?.getText() ?? fail(a, 'DefaultTopicSelector without a topic');
      else if (Node.isNewExpression(a) && isCompatName(p, a.getExpression(), 'FieldNameTopicSelector')) {
        const [field, fallback] = a.getArguments();
        if (!field || !Node.isStringLiteral(field))
          return fail(a, 'FieldNameTopicSelector field is not a string literal');
        if (!fallback || fallback.getText() === 'null')
          return fail(a, 'FieldNameTopicSelector without a default topic skips tuples that lack the field');
        const f = field.getLiteralValue();
        if (!input.fields.includes(f)) topic = fallback.getText();
        else {
          const v = fieldAccess('record', f);
          topic = `(record) => (${v} === null || ${v} === undefined ? ${fallback.getText()} : String(${v}))`;
        }
      } else return fail(a, 'custom topic selector');
    } else if (call.name === 'withTupleToKafkaMapper') {
      if (!a || !Node.isNewExpression(a) || !isCompatName(p, a.getExpression(), 'FieldNameBasedTupleToKafkaMapper'))
        return fail(call.node, 'custom TupleToKafkaMapper');
      const [k, m] = a.getArguments();
      if ((k && !Node.isStringLiteral(k)) || (m && !Node.isStringLiteral(m)))
        return fail(a, 'mapper field names are not string literals');
      if (k) keyField = k.getLiteralValue();
      if (m) messageField = m.getLiteralValue();
    } else return fail(call.node, `KafkaBolt.${call.name}(...) has no native mapping here`);
    void b;
  }
  if (topic === undefined) return fail(instance, 'no topic selector (compat fails at prepare)');
  if (brokers === undefined)
    return fail(instance, "no 'bootstrap.servers' producer property (compat fails at prepare)");
  if (!input.fields.includes(messageField))
    return fail(instance, `the message field '${messageField}' is not in the input fields ${input.fields.join(', ')}`);
  const message = fieldAccess('record', messageField);
  const key = input.fields.includes(keyField)
    ? wire(fieldAccess('record', keyField), input.types.get(keyField) ?? 'unknown')
    : undefined;
  const job = basename(p.facts.sourceFile.getFilePath()).replace(/\.(m|c)?tsx?$/, '');
  const sink = [
    `brokers: ${brokers}`,
    ...(clientId ? [`clientId: ${clientId}`] : []),
    `topic: ${topic}`,
    ...(key ? [`key: (record) => ${key}`] : []),
    `serializer: (record) => ${wire(message, input.types.get(messageField) ?? 'unknown')}`,
    `guarantee: 'exactly-once'`,
    `transactionalIdPrefix: '${`${job}-${c.id}`.replace(/'/g, "\\'")}'`,
  ];
  p.runtimeImports.add('kafkaSink');
  p.finding(
    NAME,
    'SS905',
    'partial',
    c.node,
    c.id!,
    `KafkaBolt → kafkaSink (exactly-once, transactional id '${job}-${c.id}-<subtask>'), key '${keyField}'${key ? '' : ' (absent: keyless records)'}, message '${messageField}'`,
    rule.codes.SS905!.manualStep,
  );
  if (dropped.length)
    p.finding(
      NAME,
      'SS903',
      'converted',
      c.node,
      c.id!,
      `dropped producer properties ${dropped.join(', ')}: transactions write with acks=all and idempotence`,
    );
  return `kafkaSink<${recordType(input)}>({ ${sink.join(', ')} })`;
}

// ---- Redis ----

function literalOr(expr: Expression | undefined, fallback: string): { literal: string } | { code: string } {
  if (!expr) return { literal: fallback };
  if (Node.isStringLiteral(expr) || Node.isNumericLiteral(expr)) return { literal: String(expr.getLiteralValue()) };
  return { code: expr.getText() };
}

/** A JedisPoolConfig expression → the text of a `redis://` URL expression, as JedisPoolConfig.url builds it. */
function poolUrl(p: Planner, expr: Expression, fail: (node: Node, reason: string) => never): string {
  const { root, calls } = readChain(expr);
  if (isCompatName(p, root, 'JedisPoolConfig') && calls.length === 1 && calls[0]!.name === 'fromUrl')
    return calls[0]!.args[0]?.getText() ?? fail(expr, 'fromUrl()');
  let args: Array<Expression | undefined>;
  if (Node.isNewExpression(expr) && isCompatName(p, expr.getExpression(), 'JedisPoolConfig') && calls.length === 0)
    args = expr.getArguments() as Expression[];
  else if (
    Node.isNewExpression(root) &&
    root.getExpression().getText().replace(/\s/g, '') ===
      `${[...p.facts.compatNames].find(([, v]) => v === 'JedisPoolConfig')?.[0]}.Builder` &&
    calls.at(-1)?.name === 'build'
  ) {
    const order = ['setHost', 'setPort', 'setTimeout', 'setPassword', 'setDatabase'];
    args = [];
    for (const call of calls.slice(0, -1)) {
      const i = order.indexOf(call.name);
      if (i < 0 || call.args.length !== 1) return fail(call.node, `JedisPoolConfig.Builder.${call.name}(...)`);
      args[i] = call.args[0];
    }
  } else return fail(expr, `\`${expr.getText().slice(0, 60)}\` is not a JedisPoolConfig written out here`);
  const [host, port, , password, database] = args;
  if (password && password.getText() !== 'null')
    return fail(password, 'a password in the pool config: put it into a redis:// URL by hand');
  const parts = [literalOr(host, '127.0.0.1'), literalOr(port, '6379'), literalOr(database, '0')];
  if (parts.every((x) => 'literal' in x)) {
    const [h, po, d] = parts.map((x) => (x as { literal: string }).literal);
    return `'redis://${h}:${po}/${d}'`.replace(/\\/g, '\\\\');
  }
  const [h, po, d] = parts.map((x) => ('literal' in x ? x.literal.replace(/[`$\\]/g, '\\$&') : `\${${x.code}}`));
  return `\`redis://${h}:${po}/${d}\``;
}

function planRedisStoreBolt(
  p: Planner,
  c: WiredComponent,
  instance: Expression,
  input: RecordShape,
  fail: (node: Node, reason: string) => never,
): string {
  if (!Node.isNewExpression(instance)) return fail(instance, 'RedisStoreBolt is configured after construction');
  const [pool, mapperArg] = instance.getArguments() as Expression[];
  if (!pool || !mapperArg) return fail(instance, 'RedisStoreBolt without a pool config and a mapper');
  const poolRef = resolveOnce(p, pool);
  const url = poolUrl(p, poolRef.expr, fail);
  const mapperRef = resolveOnce(p, mapperArg);
  const mapper = mapperRef.expr;
  if (!Node.isNewExpression(mapper) || mapper.getArguments().length || !Node.isIdentifier(mapper.getExpression()))
    return fail(mapper, 'the store mapper is not `new Mapper()` of a class in this module');
  const cls = p.facts.sourceFile.getClass(mapper.getExpression().getText());
  if (!cls) return fail(mapper, `${mapper.getExpression().getText()} is not declared in this module`);
  if (cls.isExported()) return fail(cls, `${cls.getName()} is exported: other modules may use it`);
  const uses =
    cls
      .getNameNode()
      ?.findReferencesAsNodes()
      .filter((n) => n.getSourceFile() === p.facts.sourceFile) ?? [];
  if (uses.length !== 1) return fail(cls, `${cls.getName()} is used more than once`);
  const m = readStoreMapper(p, cls, input, fail);
  for (const ref of [poolRef, mapperRef]) if (ref.declaration) p.edits.remove(ref.declaration, NAME);
  p.edits.remove(cls, NAME);
  p.runtimeImports.add('redisSink');
  const options =
    m.type === 'STRING'
      ? [`url: ${url}`, `command: 'set'`, `key: ${m.key}`, `value: ${m.value}`]
      : [`url: ${url}`, `command: 'hset'`, `key: () => ${m.hash}`, `field: ${m.key}`, `value: ${m.value}`];
  p.finding(
    NAME,
    'SS907',
    'converted',
    c.node,
    c.id!,
    `RedisStoreBolt (${m.type}) → redisSink ${m.type === 'STRING' ? 'SET key value' : `HSET ${m.hash} field value`}; the mapper ${cls.getName()} was folded into the sink's key${m.type === 'HASH' ? '/field' : ''}/value functions`,
  );
  return `redisSink<${recordType(input)}>({ ${options.join(', ')} })`;
}

function readStoreMapper(
  p: Planner,
  cls: ClassDeclaration,
  input: RecordShape,
  fail: (node: Node, reason: string) => never,
): { type: 'STRING' | 'HASH'; hash?: string; key: string; value: string } {
  const allowed = new Set(['getDataTypeDescription', 'getKeyFromTuple', 'getValueFromTuple']);
  for (const member of cls.getMembers()) {
    const name = Node.isMethodDeclaration(member) ? member.getName() : undefined;
    if (!name || !allowed.has(name)) return fail(member, `${cls.getName()} has a member other than the mapper methods`);
  }
  const describe = singleReturn(cls.getInstanceMethod('getDataTypeDescription')?.getBody());
  if (
    !describe ||
    !Node.isNewExpression(describe) ||
    !isCompatName(p, describe.getExpression(), 'RedisDataTypeDescription')
  )
    return fail(cls, 'getDataTypeDescription() does not return `new RedisDataTypeDescription(...)`');
  const [typeArg, hashArg] = describe.getArguments() as Expression[];
  const type = compatEnumMember(p, typeArg, 'RedisDataType');
  if (type !== 'STRING' && type !== 'HASH')
    return fail(
      describe,
      `data type ${type ?? typeArg?.getText()}: the native Redis sink writes STRING (SET) and HASH (HSET) only`,
    );
  if (type === 'HASH' && !hashArg) return fail(describe, 'HASH without the hash key');
  const fn = (method: string): string => {
    const decl = cls.getInstanceMethod(method);
    const body = singleReturn(decl?.getBody());
    const params = decl?.getParameters() ?? [];
    if (!decl || !body || params.length !== 1)
      return fail(decl ?? cls, `${method} is not a single return over the tuple`);
    if (body.getDescendantsOfKind(SyntaxKind.ThisKeyword).length || body.getKind() === SyntaxKind.ThisKeyword)
      return fail(body, `${method} reads the mapper instance`);
    const name = params[0]!.getName();
    const out = tupleToRecord(body, name, input);
    if ('reason' in out) return fail(body, `${method}: ${out.reason}`);
    return `(${name}) => ${out.text}`;
  };
  return {
    type,
    ...(type === 'HASH' ? { hash: hashArg!.getText() } : {}),
    key: fn('getKeyFromTuple'),
    value: fn('getValueFromTuple'),
  };
}
