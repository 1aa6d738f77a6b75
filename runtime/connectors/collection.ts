import type { PollResult, Source, SourceOutput, SourceReader } from '../api/source.ts';

interface CollectionState {
  position: number;
}

/** A bounded, replayable source over an in-memory list; subtask i takes every p-th element. */
export function collectionSource<T>(
  items: readonly T[],
  options: { timestamp?: (item: T) => number } = {},
): Source<T, CollectionState> {
  const snapshot = [...items];
  return {
    createReader: (context): SourceReader<T, CollectionState> => {
      let position = context.subtaskIndex;
      return {
        poll(output: SourceOutput<T>, maxRecords: number): PollResult {
          for (let i = 0; i < maxRecords && position < snapshot.length; i++) {
            const item = snapshot[position]!;
            position += context.parallelism;
            if (options.timestamp) output.collect(item, options.timestamp(item));
            else output.collect(item);
          }
          return position >= snapshot.length ? 'end' : 'more';
        },
        snapshotState: () => ({ position }),
        restoreState: (state) => {
          position = state.position;
        },
      };
    },
  };
}
