/**
 * Operator (non-keyed) state: lists of items per subtask, e.g. a source's split offsets. On restore
 * with a different parallelism, split lists are dealt round-robin over the new subtasks (each item
 * lands on exactly one), union lists are given whole to every subtask (each decides what it keeps).
 */
import { ConfigError, StormshiftError } from '../errors.ts';

export type OperatorListMode = 'split' | 'union';

export interface OperatorListState<T> {
  get(): T[];
  add(value: T): void;
  addAll(values: Iterable<T>): void;
  update(values: Iterable<T>): void;
  clear(): void;
}

export interface OperatorStateSnapshot {
  version: 1;
  states: Record<string, { mode: OperatorListMode; items: unknown[] }>;
}

class ListHandle<T> implements OperatorListState<T> {
  items: T[] = [];
  constructor(readonly mode: OperatorListMode) {}
  get(): T[] {
    return this.items;
  }
  add(value: T): void {
    this.items.push(value);
  }
  addAll(values: Iterable<T>): void {
    for (const v of values) this.items.push(v);
  }
  update(values: Iterable<T>): void {
    this.items = [...values];
  }
  clear(): void {
    this.items = [];
  }
}

export class OperatorStateStore {
  private readonly lists = new Map<string, ListHandle<unknown>>();

  /** Split-redistributed list state: on rescale, items are dealt round-robin over the new subtasks. */
  getListState<T>(name: string): OperatorListState<T> {
    return this.handle<T>(name, 'split');
  }

  /** Union list state: on restore every subtask receives the items of all old subtasks. */
  getUnionListState<T>(name: string): OperatorListState<T> {
    return this.handle<T>(name, 'union');
  }

  /** Names of the states this store holds (restored or registered). */
  names(): string[] {
    return [...this.lists.keys()];
  }

  /** Deep copy, so the checkpoint does not change while the operator keeps running. */
  snapshot(): OperatorStateSnapshot {
    const states: OperatorStateSnapshot['states'] = {};
    for (const [name, handle] of this.lists) states[name] = { mode: handle.mode, items: handle.items };
    try {
      return structuredClone({ version: 1, states });
    } catch (error) {
      throw new StormshiftError(
        'STATE_NOT_SERIALIZABLE',
        `operator state cannot be snapshotted: ${(error as Error).message}`,
        { cause: error },
      );
    }
  }

  /**
   * Restores this subtask's share of `all` (the snapshots of every old subtask, in old subtask
   * order). Deterministic: every new subtask computes the same dealing, so items are neither lost
   * nor duplicated.
   */
  restore(all: OperatorStateSnapshot[], subtaskIndex: number, parallelism: number): void {
    if (!Number.isInteger(parallelism) || parallelism < 1)
      throw new ConfigError(`parallelism must be an integer >= 1, got ${parallelism}`);
    if (!Number.isInteger(subtaskIndex) || subtaskIndex < 0 || subtaskIndex >= parallelism) {
      throw new ConfigError(`subtaskIndex must be in 0..${parallelism - 1}, got ${subtaskIndex}`);
    }
    const merged = new Map<string, { mode: OperatorListMode; items: unknown[] }>();
    for (const snap of all) {
      if (snap === undefined || snap === null) continue;
      if (snap.version !== 1)
        throw new StormshiftError(
          'STATE_RESTORE_FAILED',
          `operator state snapshot has unsupported version ${String(snap.version)}`,
        );
      for (const [name, { mode, items }] of Object.entries(snap.states)) {
        const into = merged.get(name);
        if (into === undefined) merged.set(name, { mode, items: [...items] });
        else if (into.mode !== mode)
          throw new ConfigError(
            `operator state '${name}' is both ${into.mode} and ${mode} list state in the checkpoint`,
          );
        else into.items.push(...items);
      }
    }
    for (const handle of this.lists.values()) handle.items = [];
    for (const [name, { mode, items }] of merged) {
      const handle = this.handle<unknown>(name, mode);
      // Copied: the same decoded snapshots are typically handed to every subtask in this process.
      handle.items = structuredClone(
        mode === 'union' ? items : items.filter((_, i) => i % parallelism === subtaskIndex),
      );
    }
  }

  private handle<T>(name: string, mode: OperatorListMode): ListHandle<T> {
    if (typeof name !== 'string' || name === '')
      throw new ConfigError(`operator state name must be a non-empty string`);
    let h = this.lists.get(name);
    if (h === undefined) {
      h = new ListHandle<unknown>(mode);
      this.lists.set(name, h);
    } else if (h.mode !== mode) {
      throw new ConfigError(
        `operator state '${name}' is ${h.mode} list state; it cannot also be used as ${mode} list state`,
      );
    }
    return h as ListHandle<T>;
  }
}
