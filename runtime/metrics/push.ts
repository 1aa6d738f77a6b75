/**
 * Pushes the registry to a Prometheus Pushgateway, for short batch jobs that finish before a scrape
 * would see them. PUT replaces every series of the job's group, so a job's last push is its final
 * state. Plain fetch: the URL scheme is small and this avoids prom-client's callback-era client.
 */
import { ConfigError, ConnectorError, messageOf } from '../errors.ts';
import type { RuntimeMetrics } from './runtime-metrics.ts';

export interface PushOptions {
  gatewayUrl: string;
  job: string;
  groupings?: Record<string, string>;
  /** ms before the push is abandoned; default 10 s */
  timeoutMs?: number;
}

/** One path segment pair; values with '/' (or empty) need the gateway's base64 form. */
function groupingSegment(name: string, value: string): string {
  if (value === '' || value.includes('/'))
    return `${name}@base64/${Buffer.from(value, 'utf8').toString('base64url') || '='}`;
  return `${name}/${encodeURIComponent(value)}`;
}

export function pushgatewayUrl(options: Pick<PushOptions, 'gatewayUrl' | 'job' | 'groupings'>): string {
  let base: URL;
  try {
    base = new URL(options.gatewayUrl);
  } catch {
    throw new ConfigError(`metrics push 'gatewayUrl' is not a URL: '${options.gatewayUrl}'`);
  }
  if (typeof options.job !== 'string' || options.job === '')
    throw new ConfigError(`metrics push 'job' must be a non-empty string`);
  const segments = [groupingSegment('job', options.job)];
  for (const [name, value] of Object.entries(options.groupings ?? {})) {
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name))
      throw new ConfigError(`metrics push grouping label '${name}' is not a valid label name`);
    segments.push(groupingSegment(name, value));
  }
  const basePath = base.pathname.replace(/\/+$/, '');
  return `${base.origin}${basePath}/metrics/${segments.join('/')}`;
}

export async function pushMetrics(metrics: RuntimeMetrics, options: PushOptions): Promise<void> {
  const url = pushgatewayUrl(options);
  const body = await metrics.registry.metrics();
  let response: Response;
  try {
    response = await fetch(url, {
      method: 'PUT',
      headers: { 'content-type': metrics.registry.contentType },
      body,
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (error) {
    throw new ConnectorError('METRICS_PUSH_FAILED', `pushing metrics to ${url} failed: ${messageOf(error)}`, {
      cause: error,
      retriable: true,
    });
  }
  if (!response.ok) {
    const text = (await response.text().catch(() => '')).slice(0, 200);
    throw new ConnectorError(
      'METRICS_PUSH_FAILED',
      `pushing metrics to ${url} failed: HTTP ${response.status} ${text}`.trim(),
      {
        retriable: response.status >= 500,
      },
    );
  }
  // Drain so the connection can be reused.
  await response.arrayBuffer().catch(() => undefined);
}
