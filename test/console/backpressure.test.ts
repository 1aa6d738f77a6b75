/**
 * Backpressure as the console reports it: a job whose sink is slowed while it runs. The test waits
 * for what the API reports (each request samples the job), never for a fixed time.
 */
import { afterEach, describe, expect, it, onTestFailed } from 'vitest';
import { RuntimeMetrics, StreamEnvironment, type JobHandle, type Sink } from '../../runtime/index.ts';
import { JobSet, systemClock } from '../../console/index.ts';

let handle: JobHandle | undefined;
afterEach(async () => {
  await handle?.cancel();
  handle = undefined;
});

type Vertex = {
  name: string;
  'backpressure-level': string;
  backPressuredRatio: number;
  busyRatio: number;
  idleRatio: number;
};

/**
 * Re-reads the vertices (each read samples the job) until `done` holds. No deadline of its own: a
 * loaded machine only makes the wait longer, and the test's timeout is the bound; if it hits, the
 * last reading is printed with what was awaited.
 */
async function until(read: () => Vertex[], done: (vs: Vertex[]) => boolean, what: string): Promise<Vertex[]> {
  let last: Vertex[] = [];
  let waiting = true;
  onTestFailed(() => {
    if (waiting) console.error(`never saw ${what}; last reading: ${JSON.stringify(last)}`);
  });
  for (;;) {
    last = read();
    if (done(last)) {
      waiting = false;
      return last;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The map costs ~20 µs a record, more than a fast sink: the source is the bottleneck until the sink slows. */
function start(sink: Sink<number>): { jobs: JobSet; jid: string } {
  const env = StreamEnvironment.create({ jobName: 'slowed', metrics: new RuntimeMetrics() });
  env
    .generate<number>({ generate: (i) => i }, { name: 'gen' })
    .map(
      (x) => {
        const end = performance.now() + 0.02;
        while (performance.now() < end);
        return x + 1;
      },
      { name: 'inc' },
    )
    .rebalance()
    .sinkTo(sink, { name: 'slow-sink', maxInFlight: 4 });
  handle = env.executeAsync('slowed');
  const jobs = new JobSet(systemClock);
  return { jobs, jid: jobs.add({ handle }).id };
}

const vertices = (jobs: JobSet, jid: string) => () =>
  jobs
    .get(jid)!
    .vertices()
    .map((v) => ({
      name: v.name,
      'backpressure-level': v.level,
      backPressuredRatio: v.backPressuredRatio,
      busyRatio: v.busyRatio,
      idleRatio: v.idleRatio,
    }));

describe('backpressure level from a slowed sink', () => {
  it('an asynchronous sink that slows down turns its upstream high; it was ok before', async () => {
    let slow = false;
    let written = 0;
    const { jobs, jid } = start({
      createWriter: () => ({
        write: () => {
          written++;
          if (slow) return new Promise<void>((r) => setTimeout(r, 5));
        },
      }),
    });
    const read = vertices(jobs, jid);
    // Fast sink: the source works flat out, nothing holds it back.
    const before = await until(
      read,
      (vs) => written > 1000 && vs[0]!.busyRatio > 0.3,
      'the source busy with a fast sink',
    );
    expect(before.map((v) => v.name)).toEqual(['gen -> inc', 'slow-sink']);
    expect(before[0]!['backpressure-level']).toBe('ok');
    slow = true;
    const after = await until(read, (vs) => vs[0]!['backpressure-level'] === 'high', 'the source backpressured');
    expect(after[0]!.backPressuredRatio).toBeGreaterThan(0.5);
    for (const v of after) expect(v.busyRatio + v.idleRatio + v.backPressuredRatio).toBeCloseTo(1, 1);
  });

  it('a sink that burns CPU is busy, and its upstream, which waits for it, is high', async () => {
    let spinMs = 0;
    const { jobs, jid } = start({
      createWriter: () => ({
        write: () => {
          const end = performance.now() + spinMs;
          while (performance.now() < end);
        },
      }),
    });
    const read = vertices(jobs, jid);
    await until(read, (vs) => vs[0]!.busyRatio > 0.3, 'the source busy');
    spinMs = 0.5;
    const after = await until(
      read,
      (vs) => vs[0]!['backpressure-level'] === 'high' && vs[1]!.busyRatio > 0.5,
      'the sink busy and the source high',
    );
    expect(after[1]!['backpressure-level']).toBe('ok');
  });
});
