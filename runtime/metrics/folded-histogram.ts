/**
 * A prom-client Histogram whose series are read from LatencyRecorders at scrape time instead of
 * being fed by observe(): the recorders already hold the bucket counts, and replaying them through
 * observe() one by one would cost as much as observing on the hot path. It overrides only the
 * read side (get / getForPromString), which is what the Registry and the Pushgateway call.
 */
import type { Histogram, Registry } from 'prom-client';
import { promClient } from './prom-client.ts';
import type { LatencyRecorder } from './latency-recorder.ts';

export type RecorderSource = () => Iterable<
  readonly [labels: Record<string, string | number>, recorder: LatencyRecorder]
>;

interface ValueLine {
  labels: Record<string, string | number>;
  value: number;
  metricName: string;
}

export interface FoldedHistogramOptions {
  name: string;
  help: string;
  labelNames: readonly string[];
  buckets: readonly number[];
  registry: Registry;
  source: RecorderSource;
  scale?: number;
}

let folded: (new (options: FoldedHistogramOptions) => Histogram<string>) | undefined;

/** Registers a folded histogram; the class is defined on first use, when prom-client is loaded. */
export function createFoldedHistogram(options: FoldedHistogramOptions): Histogram<string> {
  folded ??= defineFoldedHistogram(promClient().Histogram);
  return new folded(options);
}

function defineFoldedHistogram(Base: typeof Histogram) {
  return class FoldedHistogram extends Base<string> {
    private readonly source: RecorderSource;
    private readonly bounds: readonly number[];
    private readonly metricName: string;
    private readonly metricHelp: string;
    /** Recorders hold ms; a `_seconds` histogram multiplies bounds and sums by 1/1000 here. */
    private readonly scale: number;

    constructor(options: FoldedHistogramOptions) {
      super({
        name: options.name,
        help: options.help,
        labelNames: [...options.labelNames],
        buckets: [...options.buckets],
        registers: [options.registry],
      });
      this.source = options.source;
      this.bounds = options.buckets;
      this.metricName = options.name;
      this.metricHelp = options.help;
      this.scale = options.scale ?? 1;
    }

    private fold(): ValueLine[] {
      const lines: ValueLine[] = [];
      const name = this.metricName;
      const bucket = `${name}_bucket`;
      for (const [labels, rec] of this.source()) {
        let cumulative = 0;
        for (let i = 0; i < this.bounds.length; i++) {
          cumulative += rec.counts[i]!;
          lines.push({
            labels: { ...labels, le: roundBound(this.bounds[i]! * this.scale) },
            value: cumulative,
            metricName: bucket,
          });
        }
        lines.push({ labels: { ...labels, le: '+Inf' }, value: rec.count, metricName: bucket });
        lines.push({ labels: { ...labels }, value: rec.sum * this.scale, metricName: `${name}_sum` });
        lines.push({ labels: { ...labels }, value: rec.count, metricName: `${name}_count` });
      }
      return lines;
    }

    override async get(): Promise<Awaited<ReturnType<Histogram<string>['get']>>> {
      const metric = {
        name: this.metricName,
        help: this.metricHelp,
        type: 'histogram',
        values: this.fold(),
        aggregator: 'sum',
      };
      return metric as unknown as Awaited<ReturnType<Histogram<string>['get']>>;
    }

    /** The Registry prefers this over get() when rendering text. */
    async getForPromString(): Promise<Awaited<ReturnType<Histogram<string>['get']>>> {
      return this.get();
    }
  };
}

/** 0.01 ms × 1/1000 must print as 0.00001, not 0.000009999999999999999. */
function roundBound(value: number): number {
  return Number(value.toPrecision(12));
}
