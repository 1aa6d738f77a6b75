import { afterEach, describe, expect, it, vi } from 'vitest';
import { RotatingMap } from '../../../compat/reliability/rotating-map.ts';
import { TimeCacheMap } from '../../../compat/reliability/time-cache-map.ts';

describe('RotatingMap', () => {
  it('expires an entry after numBuckets rotations and reports it', () => {
    const expired: [string, number][] = [];
    const m = new RotatingMap<string, number>(3, (k, v) => expired.push([k, v]));
    m.put('a', 1);
    expect(m.rotate().size).toBe(0);
    m.put('b', 2);
    expect(m.rotate().size).toBe(0);
    expect([...m.rotate()]).toEqual([['a', 1]]);
    expect(expired).toEqual([['a', 1]]);
    expect(m.get('a')).toBeNull();
    expect(m.get('b')).toBe(2);
    expect(m.size()).toBe(1);
  });

  it('moves a re-put entry to the newest bucket', () => {
    const m = new RotatingMap<bigint, string>(2);
    m.put(1n, 'x');
    m.rotate();
    m.put(1n, 'y');
    expect(m.size()).toBe(1);
    expect(m.rotate().size).toBe(0);
    expect(m.containsKey(1n)).toBe(true);
    expect(m.remove(1n)).toBe('y');
    expect(m.remove(1n)).toBeNull();
  });

  it('accepts an ExpiredCallback object and rejects fewer than two buckets', () => {
    const seen: string[] = [];
    const m = new RotatingMap<string, number>({ expire: (k) => seen.push(k) });
    m.put('k', 1);
    m.rotate();
    m.rotate();
    m.rotate();
    expect(seen).toEqual(['k']);
    expect(() => new RotatingMap(1)).toThrow('numBuckets must be >= 2');
  });
});

describe('TimeCacheMap', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('expires entries between expirationSecs and expirationSecs*N/(N-1) after put', () => {
    vi.useFakeTimers();
    const expired: string[] = [];
    const m = new TimeCacheMap<string, number>(2, { expire: (k) => expired.push(k) });
    m.put('a', 1);
    vi.advanceTimersByTime(1000);
    expect(m.containsKey('a')).toBe(true);
    vi.advanceTimersByTime(1000);
    expect(m.get('a')).toBe(1);
    vi.advanceTimersByTime(1000);
    expect(m.containsKey('a')).toBe(false);
    expect(expired).toEqual(['a']);
    m.put('b', 2);
    expect(m.size()).toBe(1);
    expect(m.remove('b')).toBe(2);
    m.cleanup();
  });
});
