import { UnsupportedOperationException } from '../component/exceptions.ts';
import type { Tuple } from '../component/tuple.ts';

/**
 * One activation of a window (§9). Storm's `Long` timestamps become `number | null`: `null` where
 * Java returns a null `Long` (start of a count window).
 */
export interface Window<T> {
  /** Everything in the window at this activation. */
  get(): T[];
  /** Only for persistent stateful windows; otherwise throws `UnsupportedOperationException("Not implemented")`. */
  getIter(): Iterator<T>;
  /** Events not in the previous activation (by identity). */
  getNew(): T[];
  /** Events expired since the previous activation. */
  getExpired(): T[];
  getEndTimestamp(): number | null;
  getStartTimestamp(): number | null;
}

export type TupleWindow = Window<Tuple>;

/** The list-backed window of ordinary windowed bolts. */
export class TupleWindowImpl<T = Tuple> implements Window<T> {
  constructor(
    private readonly tuples: T[],
    private readonly newTuples: T[],
    private readonly expiredTuples: T[],
    private readonly startTimestamp: number | null = null,
    private readonly endTimestamp: number | null = null,
  ) {}

  get(): T[] {
    return this.tuples;
  }

  getIter(): Iterator<T> {
    throw new UnsupportedOperationException('Not implemented');
  }

  getNew(): T[] {
    return this.newTuples;
  }

  getExpired(): T[] {
    return this.expiredTuples;
  }

  getStartTimestamp(): number | null {
    return this.startTimestamp;
  }

  getEndTimestamp(): number | null {
    return this.endTimestamp;
  }

  toString(): string {
    return `TupleWindowImpl{tuples=${fmt(this.tuples)}, newTuples=${fmt(this.newTuples)}, expiredTuples=${fmt(this.expiredTuples)}}`;
  }
}

/**
 * The window of persistent stateful windowed bolts: contents are meant to be iterated, so `getNew` and
 * `getExpired` are not available (Storm's TupleWindowIterImpl).
 */
export class TupleWindowIterImpl<T = Tuple> implements Window<T> {
  constructor(
    private readonly tuplesIt: () => Iterator<T>,
    private readonly startTimestamp: number | null = null,
    private readonly endTimestamp: number | null = null,
  ) {}

  get(): T[] {
    const out: T[] = [];
    const it = this.tuplesIt();
    for (let r = it.next(); !r.done; r = it.next()) out.push(r.value);
    return out;
  }

  getIter(): Iterator<T> {
    // A fresh iterator that exposes only next(), so callers cannot reach the backing collection.
    const it = this.tuplesIt();
    return { next: () => it.next() };
  }

  getNew(): T[] {
    throw new UnsupportedOperationException('Not implemented');
  }

  getExpired(): T[] {
    throw new UnsupportedOperationException('Not implemented');
  }

  getStartTimestamp(): number | null {
    return this.startTimestamp;
  }

  getEndTimestamp(): number | null {
    return this.endTimestamp;
  }
}

function fmt(list: unknown[]): string {
  return '[' + list.map((x) => String(x)).join(', ') + ']';
}
