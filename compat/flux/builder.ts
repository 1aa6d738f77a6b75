/**
 * Flux's builder (FluxBuilder): components in file order (a ref points to one defined above),
 * spouts, bolts, then streams wired through `TopologyBuilder` exactly as Flux does (a bolt's
 * declarer is created by its first incoming stream), worker hooks, or a `topologySource`.
 * Java class names resolve through the registry; `./module.ts#Export` names a JS/TS class.
 */
import { basename, dirname, isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Conf } from '../component/config.ts';
import { Config } from '../component/config.ts';
import { Fields } from '../component/fields.ts';
import { isNonClassFunction } from '../component/kind.ts';
import { codeDirFor } from '../multilang/common.ts';
import type { BoltDeclarer } from '../topology/declarers.ts';
import { StormTopology } from '../topology/storm-topology.ts';
import { TopologyBuilder } from '../topology/topology-builder.ts';
import { FluxException } from './errors.ts';
import type { BeanDef, ObjectDef, StreamDef, TopologyDef, VertexDef } from './model.ts';
import { JAVA_CLASSES, unknownJavaClassMessage, type JavaClass } from './registry.ts';

export interface FluxTopology {
  name: string;
  conf: Conf;
  topology: StormTopology;
  def: TopologyDef;
  /** What Flux only logs: bolts no stream reaches, ignored overrides, unresolved placeholders. */
  warnings: string[];
}

const MULTILANG_CODE_DIR = 'stormshift.multilang.code.dir';

/** A JS/TS class named `path#Export` (default export when `#` is absent and the path is a module). */
function isModuleRef(className: string): boolean {
  return (
    className.includes('#') || /^\.{1,2}\//.test(className) || isAbsolute(className) || /\.[cm]?[jt]s$/.test(className)
  );
}

class Context {
  readonly components = new Map<string, unknown>();
  readonly warnings: string[] = [];
  private readonly modules = new Map<string, Record<string, unknown>>();
  constructor(readonly baseDir: string) {}

  async loadModule(className: string, where: string): Promise<unknown> {
    const hash = className.lastIndexOf('#');
    const spec = hash < 0 ? className : className.slice(0, hash);
    const exportName = hash < 0 ? 'default' : className.slice(hash + 1);
    const path = /^\.{1,2}\//.test(spec) || isAbsolute(spec) ? resolve(this.baseDir, spec) : spec;
    let mod = this.modules.get(path);
    if (mod === undefined) {
      try {
        mod = (await import(/^\.{1,2}\//.test(spec) || isAbsolute(spec) ? pathToFileURL(path).href : path)) as Record<
          string,
          unknown
        >;
      } catch (error) {
        throw new FluxException(
          `cannot load module '${spec}' for className '${className}': ${(error as Error).message}`,
          where,
        );
      }
      this.modules.set(path, mod);
    }
    const exported = mod[exportName];
    if (exported === undefined) {
      throw new FluxException(
        `module '${spec}' has no export '${exportName}' (it exports: ${Object.keys(mod).join(', ') || 'nothing'})`,
        where,
      );
    }
    return exported;
  }

  ref(id: unknown, where: string): unknown {
    const key = String(id);
    if (!this.components.has(key)) {
      const known = [...this.components.keys()];
      throw new FluxException(
        `unknown component reference '${key}' (a ref must name a component defined above it; defined: ${known.length ? known.join(', ') : 'none'})`,
        where,
      );
    }
    return this.components.get(key);
  }

  resolveArgs(args: readonly unknown[] | undefined, where: string): unknown[] {
    return (args ?? []).map((a) => this.resolveArg(a, where));
  }

  private resolveArg(a: unknown, where: string): unknown {
    if (a !== null && typeof a === 'object' && !Array.isArray(a)) {
      const keys = Object.keys(a);
      if (keys.length === 1 && keys[0] === 'ref') return this.ref((a as { ref: unknown }).ref, where);
      if (keys.length === 1 && keys[0] === 'reflist') {
        const ids = (a as { reflist: unknown }).reflist;
        if (!Array.isArray(ids)) throw new FluxException('reflist must be a list of component ids', where);
        return ids.map((id) => this.ref(id, where));
      }
    }
    return a;
  }
}

function className(obj: object): string {
  return (obj as { constructor?: { name?: string } }).constructor?.name ?? 'Object';
}

async function buildObject(def: ObjectDef, ctx: Context): Promise<object> {
  const args = ctx.resolveArgs(def.constructorArgs, def.where);
  let obj: object;
  let java: JavaClass | undefined;
  if (isModuleRef(def.className)) {
    const exported = await ctx.loadModule(def.className, def.where);
    if (def.factory !== undefined) {
      const f = (exported as Record<string, unknown>)[def.factory];
      if (typeof f !== 'function') {
        throw new FluxException(
          `Couldn't find a suitable static method '${def.factory}' for class '${def.className}'`,
          def.where,
        );
      }
      obj = (await (f as (...a: unknown[]) => unknown).apply(
        exported,
        ctx.resolveArgs(def.factoryArgs, def.where),
      )) as object;
    } else if (typeof exported === 'function' && !isNonClassFunction(exported)) {
      obj = new (exported as new (...a: unknown[]) => object)(...args);
    } else if (args.length === 0 && exported !== null && typeof exported === 'object') {
      obj = exported;
    } else {
      throw new FluxException(
        `'${def.className}' is not a class (export a class, or use factory: with a static method)`,
        def.where,
      );
    }
  } else {
    java = JAVA_CLASSES[def.className];
    if (java === undefined) throw new FluxException(unknownJavaClassMessage(def.className), def.where);
    try {
      if (def.factory !== undefined) {
        const f = java.statics?.[def.factory];
        if (f === undefined) {
          throw new FluxException(
            `Couldn't find a suitable static method '${def.factory}' for class '${def.className}' (stormshift maps: ${Object.keys(java.statics ?? {}).join(', ') || 'none'})`,
            def.where,
          );
        }
        obj = f(ctx.resolveArgs(def.factoryArgs, def.where));
      } else {
        if (java.construct === undefined)
          throw new FluxException(`class '${def.className}' has no constructor Flux can call`, def.where);
        obj = java.construct(args);
      }
    } catch (error) {
      if (error instanceof FluxException) throw error;
      throw new FluxException(
        `Couldn't find a suitable constructor for class '${def.className}' with arguments '${JSON.stringify(def.constructorArgs ?? [])}': ${(error as Error).message}`,
        def.where,
      );
    }
  }
  if (obj === null || obj === undefined || typeof obj !== 'object') {
    throw new FluxException(
      `'${def.className}' produced ${obj === null ? 'null' : typeof obj}, not an object`,
      def.where,
    );
  }
  for (const p of def.properties ?? []) {
    const value = p.ref !== undefined ? ctx.ref(p.ref, def.where) : p.value;
    const setter = `set${p.name.charAt(0).toUpperCase()}${p.name.slice(1)}`;
    const target = obj as Record<string, unknown>;
    if (java?.methods?.[setter]?.(obj, [value])) continue;
    if (typeof target[setter] === 'function') (target[setter] as (v: unknown) => unknown).call(obj, value);
    else if (p.name in target) target[p.name] = value;
    else
      throw new FluxException(
        `no setter '${setter}' or public field '${p.name}' in class '${def.className}' (${className(obj)})`,
        def.where,
      );
  }
  for (const m of def.configMethods ?? []) {
    const margs = ctx.resolveArgs(m.args, def.where);
    if (java?.methods?.[m.name]?.(obj, margs)) continue;
    const fn = (obj as Record<string, unknown>)[m.name];
    if (typeof fn !== 'function') {
      throw new FluxException(
        `Unable to find configuration method '${m.name}' in class '${def.className}' with arguments ${JSON.stringify(m.args ?? [])}.`,
        def.where,
      );
    }
    await (fn as (...a: unknown[]) => unknown).apply(obj, margs);
  }
  return obj;
}

function hasFn(o: unknown, name: string): boolean {
  return o !== null && typeof o === 'object' && typeof (o as Record<string, unknown>)[name] === 'function';
}

function applyVertex(
  declarer: {
    setNumTasks(n: number): unknown;
    setMemoryLoad(a: number, b?: number): unknown;
    setCPULoad(n: number): unknown;
    addConfigurations(c: Conf): unknown;
  },
  v: VertexDef,
): void {
  if (v.onHeapMemoryLoad !== undefined && v.onHeapMemoryLoad > -1) {
    if (v.offHeapMemoryLoad !== undefined && v.offHeapMemoryLoad > -1)
      declarer.setMemoryLoad(v.onHeapMemoryLoad, v.offHeapMemoryLoad);
    else declarer.setMemoryLoad(v.onHeapMemoryLoad);
  }
  if (v.cpuLoad !== undefined && v.cpuLoad > -1) declarer.setCPULoad(v.cpuLoad);
  if (v.numTasks !== undefined && v.numTasks > -1) declarer.setNumTasks(v.numTasks);
  if (v.config !== undefined && Object.keys(v.config).length > 0) declarer.addConfigurations(v.config);
}

/** Checks what needs no instantiation: topologySource exclusivity and the stream endpoints. */
export function validateFluxDef(def: TopologyDef): void {
  const dsl = def.spouts.length > 0 || def.bolts.length > 0 || def.streams.length > 0;
  if (def.topologySource !== undefined && dsl) {
    throw new FluxException(
      'Invalid topology config. Spouts, bolts and streams cannot be defined in the same configuration as a topologySource.',
      def.file,
    );
  }
  if (def.topologySource !== undefined) return;
  if (def.spouts.length === 0)
    throw new FluxException('a Flux topology needs at least one spout (or a topologySource)', def.file);
  const spouts = new Set(def.spouts.map((s) => s.id));
  const bolts = new Set(def.bolts.map((b) => b.id));
  for (const s of def.streams) {
    const label = `stream '${s.name ?? `${s.from} --> ${s.to}`}'`;
    if (!spouts.has(s.from) && !bolts.has(s.from)) {
      throw new FluxException(
        `${label}: no spout or bolt with id '${s.from}' (from); defined: ${[...spouts, ...bolts].join(', ')}`,
        s.where,
      );
    }
    if (!bolts.has(s.to)) {
      throw new FluxException(
        `${label}: no bolt with id '${s.to}' (to)${spouts.has(s.to) ? ': it is a spout, and a spout cannot subscribe to a stream' : ''}; bolts: ${[...bolts].join(', ') || 'none'}`,
        s.where,
      );
    }
  }
}

function subscribe(declarer: BoltDeclarer, s: StreamDef, grouping: unknown): void {
  const stream = s.grouping.streamId ?? 'default';
  switch (s.grouping.type) {
    case 'SHUFFLE':
      declarer.shuffleGrouping(s.from, stream);
      return;
    case 'FIELDS':
      declarer.fieldsGrouping(s.from, stream, new Fields(s.grouping.args!));
      return;
    case 'ALL':
      declarer.allGrouping(s.from, stream);
      return;
    case 'DIRECT':
      declarer.directGrouping(s.from, stream);
      return;
    case 'GLOBAL':
      declarer.globalGrouping(s.from, stream);
      return;
    case 'LOCAL_OR_SHUFFLE':
      declarer.localOrShuffleGrouping(s.from, stream);
      return;
    case 'NONE':
      declarer.noneGrouping(s.from, stream);
      return;
    case 'CUSTOM':
      declarer.customGrouping(s.from, stream, grouping as never);
      return;
  }
}

/** Builds the topology a parsed Flux file describes (Flux's `buildTopology`). */
export async function buildFluxTopology(def: TopologyDef): Promise<FluxTopology> {
  validateFluxDef(def);
  const ctx = new Context(dirname(def.file));
  const name = def.name ?? basename(def.file).replace(/\.ya?ml$/i, '');
  const conf: Conf = { ...def.config };
  // Shell components start where a Storm jar keeps its scripts: resources/ next to the file.
  if (conf[MULTILANG_CODE_DIR] === undefined) conf[MULTILANG_CODE_DIR] = codeDirFor(def.file);
  for (const c of def.components) ctx.components.set(c.id, await buildObject(c, ctx));

  let topology: StormTopology;
  if (def.topologySource !== undefined) {
    const ts = def.topologySource;
    const source = await buildObject(ts, ctx);
    const method = (source as Record<string, unknown>)[ts.methodName];
    if (typeof method !== 'function')
      throw new FluxException(`Unable to find method '${ts.methodName}' method in class: ${ts.className}`, ts.where);
    const config = new Config();
    Object.assign(config, conf);
    const result = await (method as (c: Conf) => unknown).call(source, config);
    if (!(result instanceof StormTopology))
      throw new FluxException(`${ts.className}.${ts.methodName}(config) did not return a StormTopology`, ts.where);
    topology = result;
  } else {
    const builder = new TopologyBuilder();
    for (const s of def.spouts) {
      const spout = await buildObject(s, ctx);
      if (!hasFn(spout, 'nextTuple'))
        throw new FluxException(`Class does not appear to be a spout: ${s.className}`, s.where);
      applyVertex(builder.setSpout(s.id, spout as never, s.parallelism), s);
    }
    const bolts = new Map<string, { def: VertexDef; bolt: object }>();
    for (const b of def.bolts) {
      const bolt = await buildObject(b, ctx);
      if (!hasFn(bolt, 'execute'))
        throw new FluxException(`Class does not appear to be a bolt: ${b.className}`, b.where);
      bolts.set(b.id, { def: b, bolt });
    }
    const declarers = new Map<string, BoltDeclarer>();
    for (const s of def.streams) {
      let declarer = declarers.get(s.to);
      if (declarer === undefined) {
        const { def: bd, bolt } = bolts.get(s.to)!;
        declarer = builder.setBolt(s.to, bolt as never, bd.parallelism);
        applyVertex(declarer, bd);
        declarers.set(s.to, declarer);
      }
      let grouping: unknown;
      if (s.grouping.type === 'CUSTOM') {
        grouping = await buildObject(s.grouping.customClass!, ctx);
        if (!hasFn(grouping, 'chooseTasks'))
          throw new FluxException(
            `${s.grouping.customClass!.className} is not a CustomStreamGrouping (no chooseTasks)`,
            s.where,
          );
      }
      try {
        subscribe(declarer, s, grouping);
      } catch (error) {
        throw new FluxException(`stream '${s.name ?? `${s.from} --> ${s.to}`}': ${(error as Error).message}`, s.where);
      }
    }
    for (const b of def.bolts) {
      if (!declarers.has(b.id))
        ctx.warnings.push(`bolt '${b.id}' has no incoming stream, so it is not part of the topology (as in Flux)`);
    }
    for (const h of def.workerHooks) builder.addWorkerHook((await buildObject(h, ctx)) as never);
    topology = builder.createTopology();
  }
  return { name, conf, topology, def, warnings: ctx.warnings };
}

/** Flux's `--dry-run` report: name, config, components, spouts, bolts, streams, worker hooks. */
export function formatFluxTopology(ft: FluxTopology): string {
  const d = ft.def;
  const lines: string[] = ['---------- TOPOLOGY DETAILS ----------', `Topology Name: ${ft.name}`];
  lines.push('--------------- CONFIG ---------------');
  for (const [k, v] of Object.entries(ft.conf)) lines.push(`${k}: ${JSON.stringify(v)}`);
  if (d.components.length > 0) {
    lines.push('------------- COMPONENTS -------------');
    for (const c of d.components) lines.push(`${c.id} (${c.className})`);
  }
  if (d.topologySource !== undefined) {
    lines.push('----------- TOPOLOGY SOURCE ----------');
    lines.push(`${d.topologySource.className}.${d.topologySource.methodName}()`);
  } else {
    lines.push('--------------- SPOUTS ---------------');
    for (const s of d.spouts) lines.push(`${s.id} [${s.parallelism}] (${s.className})`);
    lines.push('---------------- BOLTS ---------------');
    for (const b of d.bolts) lines.push(`${b.id} [${b.parallelism}] (${b.className})`);
    lines.push('--------------- STREAMS ---------------');
    for (const s of d.streams) {
      const g = s.grouping;
      const detail =
        g.type === 'FIELDS' ? `(${g.args!.join(', ')})` : g.type === 'CUSTOM' ? `(${g.customClass!.className})` : '';
      lines.push(
        `${s.from}${g.streamId !== undefined && g.streamId !== 'default' ? `:${g.streamId}` : ''} --${g.type}${detail}--> ${s.to}`,
      );
    }
    if (d.workerHooks.length > 0) {
      lines.push('--------------- WORKER HOOKS ---------------');
      for (const h of d.workerHooks) lines.push(`${h.id} (${h.className})`);
    }
  }
  for (const w of ft.warnings) lines.push(`WARNING: ${w}`);
  lines.push('--------------------------------------');
  return lines.join('\n');
}

export type { BeanDef };
