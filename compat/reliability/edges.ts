import { MessageId } from '../component/message-id.ts';
import { TupleImpl } from '../component/tuple.ts';
import { rand64, type Rand64 } from './rand64.ts';
import type { Acker } from './ack-tracker.ts';

/**
 * The reliability bookkeeping of one delivered tuple (§7): `ids` (root → XOR of this tuple's edges,
 * immutable once delivered) and the mutable `outAckVal`, the XOR of every edge created by emits
 * anchored on it. The executor keeps one of these per delivered tuple (or lets its tuple class
 * implement it).
 */
export interface AckEdges {
  readonly ids: ReadonlyMap<bigint, bigint>;
  outAckVal: bigint;
}

/** Shared ids of untracked tuples; never mutated, so one instance serves every unanchored tuple. */
export const NO_IDS: ReadonlyMap<bigint, bigint> = new Map<bigint, bigint>();

/** A fresh reliability record for a tuple the executor is about to deliver. */
export function edgesOf(ids: ReadonlyMap<bigint, bigint>): AckEdges {
  return { ids, outAckVal: 0n };
}

/** ids carried by a tracked spout tuple to one target: `{root → edge}`. */
export function spoutTupleIds(root: bigint, edge: bigint): ReadonlyMap<bigint, bigint> {
  return new Map([[root, edge]]);
}

function addAnchor(a: AckEdges, ids: Map<bigint, bigint> | null, rand: Rand64): Map<bigint, bigint> | null {
  if (a.ids.size === 0) return ids;
  const e = rand();
  a.outAckVal ^= e;
  if (ids === null) ids = new Map();
  for (const r of a.ids.keys()) ids.set(r, (ids.get(r) ?? 0n) ^ e);
  return ids;
}

/**
 * §7.3: the ids of a new tuple emitted to ONE target task, anchored on `anchors`. Call it once per
 * target: each call draws one fresh edge per root-carrying anchor and XORs it into that anchor's
 * outAckVal. The result joins the union of the anchors' roots; null/undefined anchors and anchors
 * without roots (ticks, untracked input) contribute nothing, and if nothing remains the shared
 * {@link NO_IDS} is returned without allocating.
 */
export function anchoredIds(
  anchors: AckEdges | readonly (AckEdges | null | undefined)[] | null | undefined,
  rand: Rand64 = rand64,
): ReadonlyMap<bigint, bigint> {
  if (anchors == null) return NO_IDS;
  let ids: Map<bigint, bigint> | null = null;
  if (Array.isArray(anchors)) {
    for (let i = 0; i < anchors.length; i++) {
      const a = anchors[i];
      if (a != null) ids = addAnchor(a, ids, rand);
    }
  } else {
    ids = addAnchor(anchors as AckEdges, ids, rand);
  }
  return ids ?? NO_IDS;
}

/** §7.4 ack: per root, remove the input's edge and add every edge it created. */
export function ackTupleEdges(tracker: Acker, t: AckEdges): void {
  const out = t.outAckVal;
  for (const [r, v] of t.ids) tracker.ack(r, v ^ out);
}

/** §7.4 fail: every root of the tuple is marked failed. */
export function failTupleEdges(tracker: Acker, t: AckEdges): void {
  for (const r of t.ids.keys()) tracker.fail(r);
}

/** §7.4 resetTimeout: every root of the tuple restarts its timeout. */
export function resetTupleEdges(tracker: Acker, t: AckEdges): void {
  for (const r of t.ids.keys()) tracker.resetTimeout(r);
}

/**
 * The same algebra over tuples that carry their own bookkeeping, as `TupleImpl` does
 * (`getMessageId().entries()`, `updateAckVal`, `getAckVal`), so the executor need not keep a side record.
 */
export interface AckableTuple {
  getMessageId(): { entries(): IterableIterator<[bigint, bigint]>; size(): number };
  updateAckVal(val: bigint): void;
  getAckVal(): bigint;
}

function isAckable(a: unknown): a is AckableTuple {
  return a !== null && typeof a === 'object' && typeof (a as AckableTuple).updateAckVal === 'function';
}

/**
 * §7.3 for `TupleImpl` anchors: ids for ONE target task (call once per target). Anchors that are
 * not acker-aware tuples (test fakes) or carry no roots contribute nothing.
 */
export function tupleAnchoredIds(
  anchors: unknown | readonly unknown[],
  rand: Rand64 = rand64,
): ReadonlyMap<bigint, bigint> {
  if (anchors == null) return NO_IDS;
  let ids: Map<bigint, bigint> | null = null;
  const list = Array.isArray(anchors) ? anchors : [anchors];
  for (let i = 0; i < list.length; i++) {
    const a = list[i];
    if (!isAckable(a)) continue;
    const mid = a.getMessageId();
    if (mid.size() === 0) continue;
    const e = rand();
    a.updateAckVal(e);
    ids ??= new Map();
    for (const [r] of mid.entries()) ids.set(r, (ids.get(r) ?? 0n) ^ e);
  }
  return ids ?? NO_IDS;
}

/**
 * {@link tupleAnchoredIds} as the new tuple's `MessageId`. A single anchor with a single root (the
 * usual `BaseBasicBolt` emit) takes a path that builds no Map.
 */
export function tupleAnchoredMessageId(anchors: readonly unknown[]): MessageId {
  if (anchors.length === 1) {
    const a = anchors[0];
    if (!isAckable(a)) return MessageId.makeUnanchored();
    const mid = a.getMessageId();
    if (mid instanceof MessageId && mid.size() <= 1) {
      if (mid.size() === 0) return MessageId.makeUnanchored();
      const e = rand64();
      a.updateAckVal(e);
      return MessageId.single(mid.soleRoot(), e);
    }
  }
  const ids = tupleAnchoredIds(anchors);
  return ids.size === 0 ? MessageId.makeUnanchored() : MessageId.makeId(ids);
}

export function ackTuple(tracker: Acker, t: AckableTuple): void {
  if (t instanceof TupleImpl && t.rootCount() <= 1) {
    // The usual one root: the edge and outAckVal stay int32 halves all the way to the tracker.
    if (t.rootCount() === 1) tracker.ackPair(t.soleRoot(), t.soleAckHi(), t.soleAckLo());
    return;
  }
  const out = t.getAckVal();
  for (const [r, v] of t.getMessageId().entries()) tracker.ack(r, v ^ out);
}

export function failTuple(tracker: Acker, t: AckableTuple): void {
  for (const [r] of t.getMessageId().entries()) tracker.fail(r);
}

export function resetTuple(tracker: Acker, t: AckableTuple): void {
  for (const [r] of t.getMessageId().entries()) tracker.resetTimeout(r);
}
