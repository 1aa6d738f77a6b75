/** The results document (JSON), its Markdown table and a hand-written SVG bar chart. */
import type { Spread, TargetResult, WorkloadSummary } from './stats.ts';
import { formatTarget } from './stats.ts';

export interface BenchDocument {
  schema: 'stormshift-bench/1';
  mode: 'quick' | 'full';
  startedAt: string;
  finishedAt: string;
  machine: { node: string; platform: string; cpus: number; cpuModel: string };
  settings: { runs: number; warmupMs: number; measureMs: number; latencyMs: number; latencyLoad: number };
  workloads: WorkloadSummary[];
  targets: TargetResult[];
}

export function formatRate(perSec: number): string {
  if (perSec >= 1e6) return `${(perSec / 1e6).toFixed(perSec >= 1e7 ? 1 : 2)}M`;
  if (perSec >= 1e3) return `${(perSec / 1e3).toFixed(perSec >= 1e4 ? 0 : 1)}k`;
  return perSec.toFixed(0);
}

function fixed(n: number): string {
  if (n === 0) return '0';
  if (n >= 100) return n.toFixed(0);
  if (n >= 10) return n.toFixed(1);
  if (n >= 0.1) return n.toFixed(2);
  return n.toFixed(3);
}

function range(s: Spread | undefined, format: (n: number) => string = fixed): string {
  if (!s) return '–';
  return s.n === 1 ? format(s.median) : `${format(s.median)} (${format(s.min)}–${format(s.max)})`;
}

function ratio(w: WorkloadSummary, a: string, b: string): string {
  if (a === b) return '1';
  const r = w.ratios.find((x) => x.a === a && x.b === b);
  return r ? range(r, (n) => `${n.toFixed(2)}×`) : '–';
}

export function markdown(doc: BenchDocument): string {
  const lines: string[] = [];
  lines.push(`# stormshift bench (${doc.mode})`, '');
  lines.push(
    `${doc.startedAt} · Node ${doc.machine.node} · ${doc.machine.cpus} × ${doc.machine.cpuModel} · ${doc.settings.runs} interleaved rounds, one process per run; ` +
      `measured ~${doc.settings.measureMs} ms each after warm-up; latency at ${Math.round(doc.settings.latencyLoad * 100)}% of each variant's own max rate.`,
    '',
    'Cells: median (min–max) over rounds. Ratios are taken per round (run i of A over run i of B), then summarised.',
    '',
  );
  for (const w of doc.workloads) {
    lines.push(`## ${w.workload}: ${w.title}`, '');
    if (w.unavailable) {
      lines.push(`not available: ${w.unavailable}`, '');
      continue;
    }
    const baselines = (w.baselines ?? ['hand-loop', 'native']).filter((b) =>
      w.variants.some((v) => v.variant === b && v.recordsPerSec),
    );
    const header = [
      'variant',
      `${w.unit}/s`,
      ...baselines.map((b) => `vs ${b}`),
      'p50 ms',
      'p99 ms',
      'peak RSS MB',
      `CPU s / M ${w.unit}`,
    ];
    lines.push(`| ${header.join(' | ')} |`, `|${header.map((_, i) => (i === 0 ? ' --- ' : ' ---: ')).join('|')}|`);
    for (const v of w.variants) {
      if (v.status === 'not-applicable' || v.status === 'not-available' || v.status === 'skipped') {
        lines.push(`| ${v.variant} | ${statusText(v.status)}: ${v.reason ?? ''} |${' |'.repeat(header.length - 2)}`);
        continue;
      }
      const cells = [
        v.status === 'failed' ? `${v.variant} (FAILED: ${v.reason ?? ''})` : v.variant,
        range(v.recordsPerSec, formatRate),
        ...baselines.map((b) => ratio(w, v.variant, b)),
        range(v.latencyP50Ms),
        range(v.latencyP99Ms),
        range(v.peakRssMB, (n) => n.toFixed(0)),
        range(v.cpuSecPerMillion),
      ];
      lines.push(`| ${cells.join(' | ')} |`);
    }
    lines.push('');
  }
  lines.push('## Targets', '', '```');
  for (const t of doc.targets) lines.push(formatTarget(t));
  lines.push('```', '');
  return lines.join('\n');
}

function statusText(status: string): string {
  return (
    { 'not-applicable': 'not run', 'not-available': 'not available', skipped: 'skipped', failed: 'failed' }[status] ??
    status
  );
}

function escapeXml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

const PALETTE: Record<string, string> = {
  'hand-loop': '#6b7280',
  native: '#2563eb',
  'node-streams': '#10b981',
  rxjs: '#a855f7',
  'compat-acking': '#f97316',
  'compat-zero-ackers': '#f59e0b',
  'compat-checkpoint': '#ef4444',
};

function colour(variant: string, index: number): string {
  return PALETTE[variant] ?? ['#0ea5e9', '#14b8a6', '#84cc16', '#e11d48', '#8b5cf6', '#64748b'][index % 6]!;
}

/**
 * One panel per workload, one bar per variant (median records/s, a whisker for min–max). Each
 * panel has its own linear scale: workloads differ by orders of magnitude, variants within one do not.
 */
export function svgChart(doc: BenchDocument): string {
  const width = 900;
  const labelWidth = 190;
  const barArea = width - labelWidth - 150;
  const barHeight = 18;
  const gap = 6;
  const parts: string[] = [];
  let y = 40;
  for (const w of doc.workloads) {
    const measured = w.variants.filter((v) => v.recordsPerSec);
    const others = w.variants.filter((v) => !v.recordsPerSec);
    parts.push(
      `<text x="10" y="${y}" font-size="15" font-weight="bold">${escapeXml(`${w.workload}: ${w.title}`)}</text>`,
    );
    y += 10;
    if (w.unavailable) {
      parts.push(
        `<text x="20" y="${y + 14}" font-size="12" fill="#b91c1c">${escapeXml(`not available: ${w.unavailable}`)}</text>`,
      );
      y += 34;
      continue;
    }
    const scaleMax = Math.max(...measured.map((v) => v.recordsPerSec!.max), 1);
    measured.forEach((v, i) => {
      const s = v.recordsPerSec!;
      const len = (s.median / scaleMax) * barArea;
      const lo = labelWidth + (s.min / scaleMax) * barArea;
      const hi = labelWidth + (s.max / scaleMax) * barArea;
      const mid = y + barHeight / 2;
      parts.push(
        `<text x="${labelWidth - 8}" y="${mid + 4}" font-size="12" text-anchor="end">${escapeXml(v.variant)}</text>`,
        `<rect x="${labelWidth}" y="${y}" width="${Math.max(1, len).toFixed(1)}" height="${barHeight}" fill="${colour(v.variant, i)}"/>`,
        `<line x1="${lo.toFixed(1)}" y1="${mid}" x2="${hi.toFixed(1)}" y2="${mid}" stroke="#111" stroke-width="1"/>`,
        `<line x1="${lo.toFixed(1)}" y1="${mid - 4}" x2="${lo.toFixed(1)}" y2="${mid + 4}" stroke="#111"/>`,
        `<line x1="${hi.toFixed(1)}" y1="${mid - 4}" x2="${hi.toFixed(1)}" y2="${mid + 4}" stroke="#111"/>`,
        `<text x="${(hi + 6).toFixed(1)}" y="${mid + 4}" font-size="11">${escapeXml(`${formatRate(s.median)} ${w.unit}/s`)}</text>`,
      );
      y += barHeight + gap;
    });
    for (const v of others) {
      const why = `${statusText(v.status)}: ${v.reason ?? ''}`;
      parts.push(
        `<text x="${labelWidth - 8}" y="${y + 12}" font-size="12" text-anchor="end" fill="#6b7280">${escapeXml(v.variant)}</text>`,
        `<text x="${labelWidth}" y="${y + 12}" font-size="11" fill="#6b7280">${escapeXml(why.length > 110 ? `${why.slice(0, 107)}…` : why)}</text>`,
      );
      y += 16;
    }
    y += 22;
  }
  const height = y + 10;
  const title = `stormshift bench (${doc.mode}) — throughput per variant, median with min–max over ${doc.settings.runs} rounds`;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="system-ui, sans-serif">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="13" fill="#374151">${escapeXml(title)}</text>`,
    ...parts,
    '</svg>',
    '',
  ].join('\n');
}
