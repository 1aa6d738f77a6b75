/**
 * CPU time of the calling thread. Node 20 has no per-thread CPU clock (`process.threadCpuUsage`
 * came in Node 23), and `process.cpuUsage()` in a worker thread counts the whole process, so on
 * Linux the kernel's own account is read: the first field of /proc/thread-self/schedstat is the
 * nanoseconds this thread ran. Elsewhere there is no figure (undefined), never a made-up one.
 */
import { readFileSync } from 'node:fs';

let readable = process.platform === 'linux';

export function threadCpuMs(): number | undefined {
  if (!readable) return undefined;
  try {
    const text = readFileSync('/proc/thread-self/schedstat', 'latin1');
    const ns = Number(text.slice(0, text.indexOf(' ')));
    return Number.isFinite(ns) ? ns / 1e6 : undefined;
  } catch {
    // A kernel without schedstats, or /proc not mounted: stop trying.
    readable = false;
    return undefined;
  }
}
