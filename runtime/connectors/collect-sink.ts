import type { Sink, SinkWriter } from '../api/sink.ts';

export interface CollectSink<T> {
  readonly sink: Sink<T>;
  /** Records received (exactly-once mode: only those of completed checkpoints and the final one). */
  readonly values: T[];
}

/**
 * Collects records in memory, for tests and small jobs run in-process. In exactly-once mode it
 * behaves like a transactional sink: a checkpoint's records appear only once it completes.
 */
export function collectSink<T>(options: { exactlyOnce?: boolean } = {}): CollectSink<T> {
  const values: T[] = [];
  const applied = new Set<string>();
  const sink: Sink<T> = {
    createWriter: (context): SinkWriter<T> => {
      if (!options.exactlyOnce) return { write: (value) => void values.push(value) };
      let pending: T[] = [];
      return {
        write(value: T): void {
          pending.push(value);
        },
        prepareCommit(checkpointId: number) {
          const committable = { id: `${checkpointId}#${context.subtaskIndex}`, values: pending };
          pending = [];
          return committable;
        },
        commit(committables: unknown[]): void {
          for (const c of committables as Array<{ id: string; values: T[] }>) {
            if (applied.has(c.id)) continue;
            applied.add(c.id);
            values.push(...c.values);
          }
        },
      };
    },
  };
  return { sink, values };
}
