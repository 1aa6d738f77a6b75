import { JobGraphError, keyedWithoutKeyByMessage } from '../errors.ts';
import type { PartitionerSpec } from './partitioner.ts';
import type { InputEdge, Transformation } from './transformation.ts';

/**
 * Logical graph → physical plan. Operators joined by a forward edge with equal parallelism are
 * fused into one chain: a record passes between them as a function call, with no queue. Everything
 * else becomes a network edge between chains, routed by its partitioner.
 */
export interface PlanNode {
  readonly transformation: Transformation;
  readonly parallelism: number;
  /** Consumers of this node's main output inside the same chain (called directly). */
  readonly chainedConsumers: PlanNode[];
  readonly chain: PlanChain;
}

export interface NetworkEdge {
  readonly from: PlanNode;
  readonly to: PlanNode;
  readonly partitioner: PartitionerSpec;
  readonly inputSide: 1 | 2;
  readonly sideTag: string | undefined;
  /** Index of this edge's first channel in the consumer's input gate (one channel per producer subtask). */
  channelOffset: number;
}

export interface PlanChain {
  readonly id: number;
  readonly name: string;
  readonly head: PlanNode;
  readonly nodes: PlanNode[];
  readonly parallelism: number;
  readonly inputs: NetworkEdge[];
  readonly outputs: NetworkEdge[];
  /** Channels in each subtask's input gate: the sum of producer parallelisms over the input edges. */
  inputChannels: number;
  readonly isSource: boolean;
}

export interface PhysicalPlan {
  readonly jobName: string;
  readonly chains: PlanChain[];
  readonly nodes: PlanNode[];
  readonly maxParallelism: number;
}

export function buildPlan(
  jobName: string,
  transformations: Transformation[],
  defaultParallelism: number,
  maxParallelism: number,
): PhysicalPlan {
  if (transformations.length === 0) throw new JobGraphError(`job '${jobName}' has no operators`);
  if (!transformations.some((t) => t.kind === 'source')) throw new JobGraphError(`job '${jobName}' has no source`);
  validateUnique(transformations);
  const order = topologicalOrder(transformations);
  const parallelism = new Map<Transformation, number>();
  for (const t of order) parallelism.set(t, resolveParallelism(t, defaultParallelism, maxParallelism));

  const consumers = new Map<Transformation, Array<{ to: Transformation; edge: InputEdge }>>();
  for (const t of order) {
    for (const edge of t.inputs) {
      let list = consumers.get(edge.from);
      if (!list) consumers.set(edge.from, (list = []));
      list.push({ to: t, edge });
    }
    validateInputs(t, parallelism);
  }

  const chainOf = new Map<Transformation, PlanChain>();
  const nodeOf = new Map<Transformation, PlanNode>();
  const chains: PlanChain[] = [];
  const nodes: PlanNode[] = [];
  const networkEdges: NetworkEdge[] = [];

  const isChainable = (t: Transformation): boolean => {
    if (t.inputs.length !== 1 || !t.chaining) return false;
    const edge = t.inputs[0]!;
    if (edge.sideTag !== undefined || !edge.from.chaining || edge.from.kind === 'sink') return false;
    const p = parallelism.get(t)!;
    return (
      effectivePartitioner(edge, parallelism.get(edge.from)!, p).kind === 'forward' && parallelism.get(edge.from) === p
    );
  };

  for (const t of order) {
    const p = parallelism.get(t)!;
    let chain: PlanChain;
    if (isChainable(t)) {
      chain = chainOf.get(t.inputs[0]!.from)!;
    } else {
      chain = {
        id: chains.length,
        name: t.name,
        head: undefined as unknown as PlanNode,
        nodes: [],
        parallelism: p,
        inputs: [],
        outputs: [],
        inputChannels: 0,
        isSource: t.kind === 'source',
      };
      chains.push(chain);
    }
    const node: PlanNode = { transformation: t, parallelism: p, chainedConsumers: [], chain };
    if (chain.nodes.length === 0) (chain as { head: PlanNode }).head = node;
    else (chain as { name: string }).name = `${chain.name} -> ${t.name}`;
    chain.nodes.push(node);
    chainOf.set(t, chain);
    nodeOf.set(t, node);
    nodes.push(node);
    for (const edge of t.inputs) {
      const fromNode = nodeOf.get(edge.from)!;
      if (chain === fromNode.chain && chain.head !== node) {
        fromNode.chainedConsumers.push(node);
      } else {
        const netEdge: NetworkEdge = {
          from: fromNode,
          to: node,
          partitioner: effectivePartitioner(edge, fromNode.parallelism, p),
          inputSide: edge.inputSide,
          sideTag: edge.sideTag,
          channelOffset: 0,
        };
        networkEdges.push(netEdge);
        fromNode.chain.outputs.push(netEdge);
        chain.inputs.push(netEdge);
      }
    }
  }
  for (const chain of chains) {
    let offset = 0;
    for (const edge of chain.inputs) {
      edge.channelOffset = offset;
      offset += edge.from.parallelism;
    }
    chain.inputChannels = offset;
  }
  return { jobName, chains, nodes, maxParallelism };
}

function effectivePartitioner(edge: InputEdge, fromParallelism: number, toParallelism: number): PartitionerSpec {
  if (edge.partitioner) return edge.partitioner;
  return fromParallelism === toParallelism ? { kind: 'forward' } : { kind: 'rebalance' };
}

function resolveParallelism(t: Transformation, defaultParallelism: number, maxParallelism: number): number {
  const requested = t.parallelism ?? (t.maxParallelismOne ? 1 : defaultParallelism);
  if (!Number.isInteger(requested) || requested < 1) {
    throw new JobGraphError(`operator '${t.name}': parallelism must be an integer >= 1, got ${String(requested)}`);
  }
  if (t.maxParallelismOne && requested !== 1) {
    throw new JobGraphError(`operator '${t.name}' is non-parallel; its parallelism must be 1, got ${requested}`);
  }
  if (requested > maxParallelism) {
    throw new JobGraphError(
      `operator '${t.name}': parallelism ${requested} exceeds the job's max parallelism ${maxParallelism}`,
    );
  }
  return requested;
}

function validateInputs(t: Transformation, parallelism: Map<Transformation, number>): void {
  if (t.kind === 'source' && t.inputs.length > 0) throw new JobGraphError(`source '${t.name}' cannot have inputs`);
  if (t.kind !== 'source' && t.inputs.length === 0) throw new JobGraphError(`operator '${t.name}' has no input`);
  if (t.keyedUse !== undefined && !t.keySelector) throw new JobGraphError(keyedWithoutKeyByMessage(t.name, t.keyedUse));
  for (const edge of t.inputs) {
    if (edge.from.kind === 'sink')
      throw new JobGraphError(`operator '${t.name}' reads from sink '${edge.from.name}', which has no output`);
    if (edge.sideTag !== undefined && !edge.from.sideTags.has(edge.sideTag)) {
      throw new JobGraphError(
        `operator '${t.name}' reads side output '${edge.sideTag}' that '${edge.from.name}' never declares`,
      );
    }
    const p = parallelism.get(t)!;
    const fromP = parallelism.get(edge.from)!;
    if (edge.partitioner?.kind === 'forward' && fromP !== p) {
      throw new JobGraphError(
        `forward edge '${edge.from.name}' -> '${t.name}' needs equal parallelism (${fromP} vs ${p}); use rebalance() or keyBy()`,
      );
    }
    if (t.keySelector && edge.partitioner?.kind !== 'hash') {
      throw new JobGraphError(
        `keyed operator '${t.name}' needs a keyBy() input, but its input from '${edge.from.name}' is not keyed`,
      );
    }
  }
}

function validateUnique(transformations: Transformation[]): void {
  const uids = new Map<string, Transformation>();
  for (const t of transformations) {
    const existing = uids.get(t.uid);
    if (existing)
      throw new JobGraphError(
        `operators '${existing.name}' and '${t.name}' share the uid '${t.uid}'; uids must be unique`,
      );
    uids.set(t.uid, t);
  }
}

/**
 * Kahn's algorithm leaves the nodes on a cycle and everything downstream of one. Every leftover
 * node has a leftover input, so walking inputs backwards must come round: that loop is a cycle,
 * and only its members are named (in data-flow order).
 */
function findCycle(leftover: Transformation[]): Transformation[] {
  const inLeftover = new Set(leftover);
  const seenAt = new Map<Transformation, number>();
  const path: Transformation[] = [];
  let t = leftover[0]!;
  while (!seenAt.has(t)) {
    seenAt.set(t, path.length);
    path.push(t);
    t = t.inputs.find((edge) => inLeftover.has(edge.from))!.from;
  }
  const cycle = path.slice(seenAt.get(t)).reverse();
  // Start at the operator created first, so the message is the same however the walk began.
  let first = 0;
  for (let i = 1; i < cycle.length; i++) if (cycle[i]!.id < cycle[first]!.id) first = i;
  return [...cycle.slice(first), ...cycle.slice(0, first)];
}

/** Kahn's algorithm; a leftover node means a cycle, reported with the operators on it. */
function topologicalOrder(transformations: Transformation[]): Transformation[] {
  const known = new Set(transformations);
  const indegree = new Map<Transformation, number>();
  const consumers = new Map<Transformation, Transformation[]>();
  for (const t of transformations) {
    indegree.set(t, t.inputs.length);
    for (const edge of t.inputs) {
      if (!known.has(edge.from))
        throw new JobGraphError(`operator '${t.name}' reads from '${edge.from.name}', which is not part of this job`);
      let list = consumers.get(edge.from);
      if (!list) consumers.set(edge.from, (list = []));
      list.push(t);
    }
  }
  const ready = transformations.filter((t) => t.inputs.length === 0);
  const order: Transformation[] = [];
  while (ready.length > 0) {
    // Always take the earliest-created ready node, so chain ids and subtask layout are the same on
    // every run of the same job module (workers rebuild the graph and must agree with the main thread).
    let pick = 0;
    for (let i = 1; i < ready.length; i++) if (ready[i]!.id < ready[pick]!.id) pick = i;
    const t = ready.splice(pick, 1)[0]!;
    order.push(t);
    for (const c of consumers.get(t) ?? []) {
      const d = indegree.get(c)! - 1;
      indegree.set(c, d);
      if (d === 0) ready.push(c);
    }
  }
  if (order.length !== transformations.length) {
    const cycle = findCycle(transformations.filter((t) => indegree.get(t)! > 0));
    throw new JobGraphError(
      `the job graph has a cycle: ${[...cycle, cycle[0]!].map((t) => `'${t.name}'`).join(' -> ')}`,
    );
  }
  return order;
}
