/**
 * Flux's parser (FluxParser): property and environment substitution on the text, YAML with line
 * and column in every error, the model with its shape checked, and includes merged (one level,
 * as Flux: includes inside an included file are ignored) with `override`.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { LineCounter, isMap, parseDocument, type Document, type Node } from 'yaml';
import { FluxException } from './errors.ts';
import {
  GROUPING_TYPES,
  type BeanDef,
  type ConfigMethodDef,
  type GroupingDef,
  type IncludeDef,
  type ObjectDef,
  type PropertyDef,
  type StreamDef,
  type TopologyDef,
  type TopologySourceDef,
  type VertexDef,
} from './model.ts';

export interface FluxParseOptions {
  /** `--filter`: a `.properties` file whose keys replace `${key}`. */
  filter?: string;
  /** Properties given directly (merged over the filter file's). */
  properties?: Record<string, string>;
  /** `--env-filter`: replace `${ENV-NAME}` with the environment variable NAME. */
  envFilter?: boolean;
  env?: Record<string, string | undefined>;
  /** Called for what Flux only logs (unresolved placeholders, ignored overrides). */
  warn?: (message: string) => void;
}

/** Java `.properties`: `key=value`, `key: value` or `key value`; `#`/`!` comments; `\` continues a line. */
export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.replace(/^\s+/, '');
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (/(^|[^\\])(\\\\)*\\$/.test(line) && i + 1 < lines.length)
      line = line.slice(0, -1) + lines[++i]!.replace(/^\s+/, '');
    const m = /^((?:\\.|[^=:\s])+)\s*[=:\s]\s*(.*)$/.exec(line);
    const key = (m ? m[1]! : line).replace(/\\(.)/g, '$1');
    out[key] = m ? m[2]!.replace(/\\(.)/g, (_s, c: string) => ({ t: '\t', n: '\n', r: '\r' })[c] ?? c) : '';
  }
  return out;
}

const PLACEHOLDER = /\$\{([^}]+)\}/g;

/** `${ENV-NAME}`, `${key}` and `${key[i]}` (an element of a `[“a”, “b”]` list property), as Flux. */
export function substitute(text: string, props: Record<string, string>, options: FluxParseOptions): string {
  const env = options.env ?? process.env;
  return text.replace(PLACEHOLDER, (whole, v: string) => {
    let value: string | undefined;
    const list = /^(.+)\[(\d+)\]$/.exec(v);
    if (v.startsWith('ENV-')) {
      value = options.envFilter ? env[v.slice(4)] : undefined;
    } else if (list !== null && props[list[1]!] !== undefined) {
      const items = props[list[1]!]!.trim()
        .replace(/^\[|\]$/g, '')
        .split(',');
      const item = items[Number(list[2])];
      value = item === undefined ? undefined : item.trim().replace(/^["']|["']$/g, '');
    } else {
      value = props[v];
    }
    if (value === undefined) {
      options.warn?.(`Could not find replacement for property: ${v}`);
      return whole;
    }
    return value;
  });
}

interface Ctx {
  file: string;
  lc: LineCounter;
  doc: Document;
}

function where(ctx: Ctx, node: unknown): string {
  const range = (node as Node | undefined)?.range;
  if (!range) return ctx.file;
  const p = ctx.lc.linePos(range[0]);
  return `${ctx.file}:${p.line}:${p.col}`;
}

function nodeAt(ctx: Ctx, path: Array<string | number>): unknown {
  return ctx.doc.getIn(path, true);
}

function fail(ctx: Ctx, path: Array<string | number>, message: string): never {
  throw new FluxException(message, where(ctx, nodeAt(ctx, path)));
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function str(ctx: Ctx, path: Array<string | number>, v: unknown, what: string, required = true): string | undefined {
  if (v === undefined || v === null) {
    if (required) fail(ctx, path.slice(0, -1), `${what} is required`);
    return undefined;
  }
  if (typeof v !== 'string' && typeof v !== 'number') fail(ctx, path, `${what} must be a string`);
  return String(v);
}

function list(ctx: Ctx, path: Array<string | number>, v: unknown, what: string): unknown[] {
  if (v === undefined || v === null) return [];
  if (!Array.isArray(v)) fail(ctx, path, `${what} must be a list`);
  return v;
}

function int(ctx: Ctx, path: Array<string | number>, v: unknown, what: string): number | undefined {
  if (v === undefined || v === null) return undefined;
  if (typeof v !== 'number' || !Number.isInteger(v))
    fail(ctx, path, `${what} must be an integer, got ${JSON.stringify(v)}`);
  return v;
}

function objectDef(ctx: Ctx, path: Array<string | number>, raw: unknown, what: string): ObjectDef {
  if (!isPlainObject(raw)) fail(ctx, path, `${what} must be a map`);
  const className = str(ctx, [...path, 'className'], raw.className, `${what}: className`)!;
  const def: ObjectDef = { className, where: where(ctx, nodeAt(ctx, path)) };
  if (raw.constructorArgs !== undefined)
    def.constructorArgs = list(ctx, [...path, 'constructorArgs'], raw.constructorArgs, `${what}: constructorArgs`);
  if (raw.factory !== undefined) def.factory = str(ctx, [...path, 'factory'], raw.factory, `${what}: factory`);
  if (raw.factoryArgs !== undefined)
    def.factoryArgs = list(ctx, [...path, 'factoryArgs'], raw.factoryArgs, `${what}: factoryArgs`);
  const props = list(ctx, [...path, 'properties'], raw.properties, `${what}: properties`);
  if (props.length > 0) {
    def.properties = props.map((p, i): PropertyDef => {
      const pp = [...path, 'properties', i];
      if (!isPlainObject(p)) fail(ctx, pp, `${what}: a property must be a map with name and value or ref`);
      const name = str(ctx, [...pp, 'name'], p.name, `${what}: property name`)!;
      if (p.ref !== undefined) return { name, ref: str(ctx, [...pp, 'ref'], p.ref, `${what}: property ref`)! };
      return { name, value: p.value };
    });
  }
  const methods = list(ctx, [...path, 'configMethods'], raw.configMethods, `${what}: configMethods`);
  if (methods.length > 0) {
    def.configMethods = methods.map((m, i): ConfigMethodDef => {
      const mp = [...path, 'configMethods', i];
      if (!isPlainObject(m)) fail(ctx, mp, `${what}: a config method must be a map with name and args`);
      const name = str(ctx, [...mp, 'name'], m.name, `${what}: config method name`)!;
      return m.args === undefined || m.args === null
        ? { name }
        : { name, args: list(ctx, [...mp, 'args'], m.args, `${what}: args of ${name}`) };
    });
  }
  return def;
}

function beanDef(ctx: Ctx, path: Array<string | number>, raw: unknown, what: string): BeanDef {
  if (!isPlainObject(raw)) fail(ctx, path, `${what} must be a map with id and className`);
  const id = str(ctx, [...path, 'id'], raw.id, `${what}: id`)!;
  return { id, ...objectDef(ctx, path, raw, `${what} '${id}'`) };
}

function vertexDef(ctx: Ctx, path: Array<string | number>, raw: unknown, what: string): VertexDef {
  const bean = beanDef(ctx, path, raw, what);
  const r = raw as Record<string, unknown>;
  const label = `${what} '${bean.id}'`;
  const v: VertexDef = {
    ...bean,
    parallelism: int(ctx, [...path, 'parallelism'], r.parallelism, `${label}: parallelism`) ?? 1,
  };
  const numTasks = int(ctx, [...path, 'numTasks'], r.numTasks, `${label}: numTasks`);
  if (numTasks !== undefined) v.numTasks = numTasks;
  for (const k of ['onHeapMemoryLoad', 'offHeapMemoryLoad', 'cpuLoad'] as const) {
    if (r[k] === undefined || r[k] === null) continue;
    if (typeof r[k] !== 'number') fail(ctx, [...path, k], `${label}: ${k} must be a number`);
    v[k] = r[k] as number;
  }
  if (r.config !== undefined && r.config !== null) {
    if (!isPlainObject(r.config)) fail(ctx, [...path, 'config'], `${label}: config must be a map`);
    v.config = r.config;
  }
  return v;
}

function groupingDef(ctx: Ctx, path: Array<string | number>, raw: unknown, label: string): GroupingDef {
  if (!isPlainObject(raw)) fail(ctx, path, `${label}: grouping is required (a map with type)`);
  const type = str(ctx, [...path, 'type'], raw.type, `${label}: grouping type`)!;
  if (!(GROUPING_TYPES as readonly string[]).includes(type)) {
    fail(
      ctx,
      [...path, 'type'],
      `${label}: unknown grouping type '${type}'; expected one of ${GROUPING_TYPES.join(', ')}`,
    );
  }
  const g: GroupingDef = { type: type as GroupingDef['type'] };
  if (raw.streamId !== undefined && raw.streamId !== null)
    g.streamId = str(ctx, [...path, 'streamId'], raw.streamId, `${label}: streamId`);
  if (raw.args !== undefined && raw.args !== null)
    g.args = list(ctx, [...path, 'args'], raw.args, `${label}: grouping args`).map(String);
  if (type === 'FIELDS' && (g.args === undefined || g.args.length === 0)) {
    fail(ctx, path, `${label}: a FIELDS grouping needs args (the field names)`);
  }
  if (raw.customClass !== undefined && raw.customClass !== null)
    g.customClass = objectDef(ctx, [...path, 'customClass'], raw.customClass, `${label}: customClass`);
  if (type === 'CUSTOM' && g.customClass === undefined)
    fail(ctx, path, `${label}: a CUSTOM grouping needs customClass`);
  return g;
}

function checkUnique(ctx: Ctx, defs: Array<{ id: string }>, section: string): void {
  const seen = new Map<string, number>();
  defs.forEach((d, i) => {
    const first = seen.get(d.id);
    if (first !== undefined) {
      fail(
        ctx,
        [section, i, 'id'],
        `duplicate id '${d.id}' in ${section} (first defined at ${where(ctx, nodeAt(ctx, [section, first]))})`,
      );
    }
    seen.set(d.id, i);
  });
}

/** Parses one file's text into the model (no includes processed). */
export function parseFluxText(
  text: string,
  file: string,
  options: FluxParseOptions = {},
  props: Record<string, string> = {},
): TopologyDef {
  const lc = new LineCounter();
  const doc = parseDocument(substitute(text, props, options), {
    lineCounter: lc,
    prettyErrors: false,
    uniqueKeys: true,
  });
  const ctx: Ctx = { file, lc, doc };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const pos = e.linePos?.[0] ?? lc.linePos(e.pos[0]);
    throw new FluxException(`YAML syntax error: ${e.message.split('\n')[0]}`, `${file}:${pos.line}:${pos.col}`);
  }
  const raw = doc.toJS({ maxAliasCount: 1000 }) as unknown;
  if (raw === null || raw === undefined)
    throw new FluxException(
      'the file is empty: a Flux topology needs a name and spouts, bolts and streams (or a topologySource)',
      file,
    );
  if (!isPlainObject(raw) || !isMap(doc.contents))
    fail(ctx, [], 'a Flux topology must be a YAML map (name, config, components, spouts, bolts, streams)');
  const def: TopologyDef = {
    config: {},
    components: [],
    spouts: [],
    bolts: [],
    streams: [],
    workerHooks: [],
    includes: [],
    file,
  };
  if (raw.name !== undefined && raw.name !== null) def.name = str(ctx, ['name'], raw.name, 'name');
  if (raw.config !== undefined && raw.config !== null) {
    if (!isPlainObject(raw.config)) fail(ctx, ['config'], 'config must be a map of Storm configuration keys');
    def.config = raw.config;
  }
  def.components = list(ctx, ['components'], raw.components, 'components').map((c, i) =>
    beanDef(ctx, ['components', i], c, 'component'),
  );
  def.spouts = list(ctx, ['spouts'], raw.spouts, 'spouts').map((c, i) => vertexDef(ctx, ['spouts', i], c, 'spout'));
  def.bolts = list(ctx, ['bolts'], raw.bolts, 'bolts').map((c, i) => vertexDef(ctx, ['bolts', i], c, 'bolt'));
  def.workerHooks = list(ctx, ['workerHooks'], raw.workerHooks, 'workerHooks').map((c, i) =>
    beanDef(ctx, ['workerHooks', i], c, 'worker hook'),
  );
  def.streams = list(ctx, ['streams'], raw.streams, 'streams').map((s, i): StreamDef => {
    const p = ['streams', i];
    if (!isPlainObject(s)) fail(ctx, p, 'a stream must be a map with from, to and grouping');
    const name = s.name === undefined || s.name === null ? undefined : String(s.name);
    const from = str(ctx, [...p, 'from'], s.from, `stream ${name ? `'${name}'` : i + 1}: from`)!;
    const to = str(ctx, [...p, 'to'], s.to, `stream ${name ? `'${name}'` : i + 1}: to`)!;
    const label = `stream '${name ?? `${from} --> ${to}`}'`;
    const sd: StreamDef = {
      from,
      to,
      grouping: groupingDef(ctx, [...p, 'grouping'], s.grouping, label),
      where: where(ctx, nodeAt(ctx, p)),
    };
    if (name !== undefined) sd.name = name;
    return sd;
  });
  def.includes = list(ctx, ['includes'], raw.includes, 'includes').map((inc, i): IncludeDef => {
    const p = ['includes', i];
    if (!isPlainObject(inc)) fail(ctx, p, 'an include must be a map with file, resource and override');
    return {
      file: str(ctx, [...p, 'file'], inc.file, 'include file')!,
      resource: inc.resource === true,
      override: inc.override === true,
    };
  });
  if (raw.topologySource !== undefined && raw.topologySource !== null) {
    const ts = objectDef(ctx, ['topologySource'], raw.topologySource, 'topologySource') as TopologySourceDef;
    const r = raw.topologySource as Record<string, unknown>;
    ts.methodName =
      str(ctx, ['topologySource', 'methodName'], r.methodName, 'topologySource: methodName', false) ?? 'getTopology';
    def.topologySource = ts;
  }
  checkUnique(ctx, def.components, 'components');
  checkUnique(ctx, def.spouts, 'spouts');
  checkUnique(ctx, def.bolts, 'bolts');
  const spoutIds = new Set(def.spouts.map((s) => s.id));
  def.bolts.forEach((b, i) => {
    if (spoutIds.has(b.id)) fail(ctx, ['bolts', i, 'id'], `duplicate id '${b.id}': a spout has the same id`);
  });
  return def;
}

function mergeById<T extends { id: string }>(
  into: T[],
  from: T[],
  override: boolean,
  what: string,
  warn: (m: string) => void,
): T[] {
  const out = [...into];
  for (const item of from) {
    const i = out.findIndex((x) => x.id === item.id);
    if (i < 0) out.push(item);
    else if (override) out[i] = item;
    else warn(`Ignoring attempt to create ${what} '${item.id}' with override == false.`);
  }
  return out;
}

/** Parses a Flux file, applying the filter and processing its includes (one level). */
export function parseFluxFile(file: string, options: FluxParseOptions = {}): TopologyDef {
  const abs = resolve(file);
  if (!existsSync(abs)) throw new FluxException(`Flux file not found: ${abs}`);
  let props: Record<string, string> = {};
  if (options.filter !== undefined) {
    const filterFile = resolve(options.filter);
    if (!existsSync(filterFile)) throw new FluxException(`--filter: properties file not found: ${filterFile}`);
    props = parseProperties(readFileSync(filterFile, 'utf8'));
  }
  props = { ...props, ...(options.properties ?? {}) };
  const warn = options.warn ?? (() => {});
  const def = parseFluxText(readFileSync(abs, 'utf8'), abs, options, props);
  for (const inc of def.includes) {
    if (inc.resource)
      throw new FluxException(
        `include '${inc.file}': classpath resources do not exist in stormshift; use resource: false and a file path`,
        abs,
      );
    // Flux resolves against the working directory; a path relative to the including file also works.
    const candidates = isAbsolute(inc.file) ? [inc.file] : [resolve(dirname(abs), inc.file), resolve(inc.file)];
    const found = candidates.find((c) => existsSync(c));
    if (found === undefined)
      throw new FluxException(`include file not found: ${inc.file} (looked in ${candidates.join(', ')})`, abs);
    const included = parseFluxText(readFileSync(found, 'utf8'), found, options, props);
    if (included.includes.length > 0)
      warn(`Includes in included file ${found} are ignored (Flux includes are not recursive).`);
    if (included.name !== undefined) {
      if (def.name === undefined || inc.override) def.name = included.name;
      else warn("Ignoring attempt to set property 'name' with override == false.");
    }
    for (const [k, v] of Object.entries(included.config)) {
      if (inc.override || !(k in def.config)) def.config[k] = v;
      else warn(`Ignoring attempt to set topology config property '${k}' with override == false`);
    }
    def.components = mergeById(def.components, included.components, inc.override, 'component', warn);
    def.spouts = mergeById(def.spouts, included.spouts, inc.override, 'spout', warn);
    def.bolts = mergeById(def.bolts, included.bolts, inc.override, 'bolt', warn);
    def.workerHooks = mergeById(def.workerHooks, included.workerHooks, inc.override, 'worker hook', warn);
    def.streams = [...def.streams, ...included.streams];
    if (included.topologySource !== undefined && (def.topologySource === undefined || inc.override))
      def.topologySource = included.topologySource;
  }
  return def;
}
