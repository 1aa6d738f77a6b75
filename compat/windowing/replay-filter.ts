/**
 * Recovery de-duplication for stateful windowed bolts in acking mode. stormshift restores window
 * contents from the checkpoint, but spouts still replay the tuples that were in flight or in the
 * window (they were not acked yet), so those would enter the window twice. Storm's answer is the
 * message-id field (`withMessageIdField`): ids increase per (source task, stream), so anything at or
 * below the last id seen before the checkpoint is a replay. The executor acks and drops it.
 */
export class MessageIdReplayFilter {
  private last = new Map<string, bigint>();

  /**
   * `sourceKey` identifies (source task, stream); `id` is the tuple's message-id field.
   * Returns true for a new tuple (and records it), false for a replay.
   */
  accept(sourceKey: string, id: number | bigint): boolean {
    const v = typeof id === 'bigint' ? id : BigInt(Math.trunc(id));
    const prev = this.last.get(sourceKey);
    if (prev !== undefined && v <= prev) return false;
    this.last.set(sourceKey, v);
    return true;
  }

  /** Plain data (ids as decimal strings, so JSON can carry them). */
  snapshot(): [string, string][] {
    return Array.from(this.last, ([k, v]) => [k, v.toString()]);
  }

  restore(s: readonly (readonly [string, string])[]): void {
    this.last = new Map(s.map(([k, v]) => [k, BigInt(v)]));
  }
}

/** The key `accept` expects for a tuple from `sourceTask` on `streamId`. */
export function replaySourceKey(sourceTask: number, streamId: string): string {
  return `${sourceTask}:${streamId}`;
}
