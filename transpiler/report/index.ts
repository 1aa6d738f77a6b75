/** report: the JSON report's summary and the Markdown summary printed by the CLI. */
import type { FileReport, MigrationReport } from './types.ts';

export type * from './types.ts';

export function summarize(files: readonly FileReport[]): MigrationReport['summary'] {
  const summary = { converted: 0, partial: 0, left: 0, error: 0 };
  for (const f of files) for (const finding of f.findings) summary[finding.status]++;
  return summary;
}

export function markdownSummary(report: MigrationReport): string {
  const { summary } = report;
  const lines = [
    '# stormshift migrate',
    '',
    `${report.filesScanned} file(s) scanned, ${report.filesAnalyzed} use the Storm API, ${report.filesChanged} change(s).`,
    '',
    `Findings: ${summary.converted} converted, ${summary.partial} partial, ${summary.left} left, ${summary.error} error.`,
  ];
  const reasons = new Map<string, number>();
  for (const f of report.files)
    for (const x of f.findings)
      if (x.status !== 'converted')
        reasons.set(
          `${x.code} ${x.status}: ${x.reason.replace(/`[^`]*`/g, '…')}`,
          (reasons.get(`${x.code} ${x.status}: ${x.reason.replace(/`[^`]*`/g, '…')}`) ?? 0) + 1,
        );
  if (reasons.size) {
    lines.push('', '## Top reasons', '');
    for (const [reason, n] of [...reasons].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, 10))
      lines.push(`- ${n}× ${reason}`);
  }
  const files = report.files.filter((f) => f.findings.length);
  if (files.length) {
    lines.push('', '## Files', '');
    for (const f of files) {
      lines.push(`### ${f.file} (${f.status})`, '');
      for (const x of f.findings)
        lines.push(
          `- ${x.file}:${x.line}:${x.column} ${x.code} ${x.status} ${x.construct}: ${x.reason}${x.manualStep ? ` — manual step: ${x.manualStep}` : ''}`,
        );
      lines.push('');
    }
  }
  return `${lines.join('\n').trimEnd()}\n`;
}

export function statsText(report: MigrationReport): string {
  const rows = Object.entries(report.stats).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const width = Math.max(10, ...rows.map(([k]) => k.length));
  return [
    `${report.filesAnalyzed} of ${report.filesScanned} file(s) use the Storm API`,
    ...rows.map(([k, v]) => `${k.padEnd(width)}  ${v}`),
  ].join('\n');
}
