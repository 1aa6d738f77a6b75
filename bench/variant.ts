/**
 * Child process entry: `node bench/child.mjs <workload> <variant> '<json ChildParams>'`.
 * Warms up and calibrates, runs the measured part, then a paced latency run, verifying the output
 * of each against the workload's reference, and prints one RESULT_PREFIX JSON line.
 */
import {
  LatencyHistogram,
  measure,
  RESULT_PREFIX,
  sameDigest,
  type ChildParams,
  type Digest,
  type Measured,
  type RunResult,
} from './harness.ts';
import { loadWorkload } from './workloads/index.ts';

class OutputMismatch extends Error {}

function check(workload: string, variant: string, what: string, count: number, got: Digest, expected: Digest): void {
  if (!sameDigest(got, expected)) {
    throw new OutputMismatch(
      `${workload}/${variant}: ${what} output differs from the reference for ${count} records: got ${JSON.stringify(got)}, expected ${JSON.stringify(expected)}`,
    );
  }
}

async function main(): Promise<void> {
  const [workloadName, variant, paramsJson] = process.argv.slice(2);
  if (!workloadName || !variant || !paramsJson) throw new Error('usage: variant.ts <workload> <variant> <json params>');
  const params = JSON.parse(paramsJson) as ChildParams;
  const workload = await loadWorkload(workloadName);
  params.maxCount = Math.min(params.maxCount, workload.maxCount ?? Infinity);
  const impl = await workload.create(variant, params);
  const result: RunResult = {
    workload: workloadName,
    variant,
    ok: false,
    records: 0,
    seconds: 0,
    recordsPerSec: 0,
    cpuSecPerMillion: 0,
    peakRssMB: 0,
    calibrationRuns: 0,
  };
  try {
    let run: Measured;
    let count: number;
    if (workload.singleRun) {
      const { warmRecords, expectedRate } = workload.singleRun;
      count = Math.min(params.maxCount, warmRecords + Math.round((expectedRate * params.measureMs) / 1000));
      run = await measure(impl, { count, warm: warmRecords });
      check(workloadName, variant, 'measured', count, run.digest, workload.reference(count));
      result.calibrationRuns = 0;
    } else {
      // Warm-up doubles as calibration: the last warm-up run's rate sizes the measured run so that
      // every variant, fast or slow, is measured for about the same time.
      const minCount = Math.min(params.maxCount, impl.minCount ?? 1);
      count = Math.max(workload.initialCount, minCount);
      let rate = 0;
      for (;;) {
        const warm = await measure(impl, { count });
        check(workloadName, variant, 'warm-up', count, warm.digest, workload.reference(count));
        result.calibrationRuns++;
        rate = warm.records / (warm.ms / 1000);
        // The first run is always cold (JIT, lazy module work): never size the measured run from it alone.
        if ((result.calibrationRuns >= 2 && warm.ms >= params.warmupMs) || count >= params.maxCount) break;
        if (warm.ms >= params.warmupMs) continue;
        count = Math.min(params.maxCount, warm.ms < params.warmupMs / 8 ? count * 8 : count * 2);
      }
      count = Math.max(minCount, Math.min(params.maxCount, Math.round((rate * params.measureMs) / 1000)));
      run = await measure(impl, { count });
      check(workloadName, variant, 'measured', count, run.digest, workload.reference(count));
      // A calibration slowed by a noisy neighbour or a fixed per-run cost sizes the run too small;
      // re-size from the rate just measured (twice at most) rather than report a blip.
      for (let retry = 0; retry < 2 && run.ms < params.measureMs / 2 && count < params.maxCount; retry++) {
        count = Math.max(minCount, Math.min(params.maxCount, Math.round((count / run.ms) * params.measureMs)));
        run = await measure(impl, { count });
        check(workloadName, variant, 'measured', count, run.digest, workload.reference(count));
        result.resized = retry + 1;
      }
    }
    result.records = run.records;
    result.seconds = run.ms / 1000;
    result.recordsPerSec = run.records / result.seconds;
    result.cpuSecPerMillion = (run.cpuMs / 1000 / run.records) * 1e6;
    if (run.threadCpuMs !== undefined) result.threadCpuMs = [...run.threadCpuMs];

    if (params.latencyMs > 0 && workload.latency !== false && impl.latency !== false) {
      const pacedRate = result.recordsPerSec * params.latencyLoad;
      const pacedCount = Math.max(1, Math.round((pacedRate * params.latencyMs) / 1000));
      const histogram = new LatencyHistogram();
      const paced = await measure(impl, { count: pacedCount, rate: pacedRate, latency: histogram });
      check(workloadName, variant, 'paced', pacedCount, paced.digest, workload.reference(pacedCount));
      result.latency = {
        p50: histogram.percentile(0.5),
        p99: histogram.percentile(0.99),
        max: histogram.max,
        samples: histogram.count,
        rate: pacedRate,
        seconds: paced.ms / 1000,
      };
    }
    result.ok = true;
  } catch (error) {
    result.ok = false;
    result.error = error instanceof Error ? error.message : String(error);
    if (!(error instanceof OutputMismatch) && error instanceof Error && error.stack)
      process.stderr.write(`${error.stack}\n`);
  } finally {
    await impl.close?.().catch(() => {});
  }
  result.peakRssMB = process.resourceUsage().maxRSS / 1024;
  process.stdout.write(`${RESULT_PREFIX}${JSON.stringify(result)}\n`);
}

await main();
// Runtimes may leave timers or worker threads behind after the last run: the result is out, so leave.
process.exit(0);
