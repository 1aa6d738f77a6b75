/**
 * The word count as a job module for worker threads (workers rebuild the job from it): sentences
 * from a generator split across the workers (subtask i of p reads sentences i, i+p, …) → split
 * (chained) → keyBy word, the shuffle that crosses threads → running count in keyed state → a
 * digest sink per subtask. Args: [count, rate ('' = unpaced), channel name, parallelism].
 */
import { defineJob } from '../../runtime/index.ts';
import { RunningCount } from '../../samples/word-count/job.ts';
import { stamp } from '../harness.ts';
import { sentenceAt, splitWords } from './sentences.ts';
import { latencyWarmMs, reportingWriter } from './worker-job.ts';

export default defineJob('bench-word-count-workers', (env, args) => {
  const count = Number(args[0]);
  const rate = args[1] ? Number(args[1]) : undefined;
  const channelName = args[2]!;
  const parallelism = Number(args[3] ?? 2);
  env
    .generate<string>(
      {
        generate: (i) => sentenceAt(i),
        count,
        ...(rate !== undefined ? { ratePerSecond: rate, timestamp: stamp } : {}),
      },
      { name: 'sentences', parallelism },
    )
    .flatMap<string>(splitWords, { name: 'split', parallelism })
    .keyBy((word) => word)
    .process<[string, number]>(new RunningCount(), { name: 'count', parallelism })
    .sinkTo(
      {
        createWriter: () =>
          reportingWriter<[string, number]>(channelName, latencyWarmMs(count, rate), (value, digest) => {
            digest.records++;
            digest.checksum += value[1];
          }),
      },
      { name: 'digest', parallelism },
    );
});
