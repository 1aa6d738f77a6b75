import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError, ConnectorError } from '../../../runtime/errors.ts';
import { pushgatewayUrl, pushMetrics } from '../../../runtime/metrics/push.ts';
import { RuntimeMetrics } from '../../../runtime/metrics/runtime-metrics.ts';

interface Recorded {
  method: string;
  url: string;
  contentType: string | undefined;
  body: string;
}

let gateway: Server | undefined;
afterEach(async () => {
  if (gateway) await new Promise((r) => gateway!.close(r));
  gateway = undefined;
});

async function startGateway(status = 200): Promise<{ url: string; requests: Recorded[] }> {
  const requests: Recorded[] = [];
  gateway = createServer(async (req: IncomingMessage, res) => {
    let body = '';
    for await (const chunk of req) body += chunk;
    requests.push({ method: req.method!, url: req.url!, contentType: req.headers['content-type'], body });
    res.writeHead(status).end(status === 200 ? '' : 'nope');
  });
  await new Promise<void>((r) => gateway!.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${(gateway.address() as AddressInfo).port}`, requests };
}

describe('pushMetrics', () => {
  it('PUTs the registry in text format to the job group', async () => {
    const gw = await startGateway();
    const metrics = new RuntimeMetrics();
    metrics.operator('nightly', 'load', 0).recordsOut = 77;
    await pushMetrics(metrics, { gatewayUrl: gw.url, job: 'nightly', groupings: { instance: 'host-1' } });
    expect(gw.requests).toHaveLength(1);
    const [req] = gw.requests;
    expect(req!.method).toBe('PUT');
    expect(req!.url).toBe('/metrics/job/nightly/instance/host-1');
    expect(req!.contentType).toMatch(/^text\/plain/);
    expect(req!.body).toContain('stormshift_records_out_total{job_name="nightly",operator="load",subtask="0"} 77');
  });

  it('fails with a ConnectorError when the gateway refuses', async () => {
    const gw = await startGateway(500);
    await expect(pushMetrics(new RuntimeMetrics(), { gatewayUrl: gw.url, job: 'j' })).rejects.toMatchObject({
      code: 'METRICS_PUSH_FAILED',
      retriable: true,
    });
    await expect(pushMetrics(new RuntimeMetrics(), { gatewayUrl: gw.url, job: 'j' })).rejects.toBeInstanceOf(
      ConnectorError,
    );
  });

  it('builds gateway URLs, base64-encoding values the path cannot hold', () => {
    expect(pushgatewayUrl({ gatewayUrl: 'http://gw:9091/', job: 'a b' })).toBe('http://gw:9091/metrics/job/a%20b');
    expect(
      pushgatewayUrl({ gatewayUrl: 'http://gw:9091/prefix', job: 'j', groupings: { path: '/var/tmp', empty: '' } }),
    ).toBe('http://gw:9091/prefix/metrics/job/j/path@base64/L3Zhci90bXA/empty@base64/=');
    expect(() => pushgatewayUrl({ gatewayUrl: 'not a url', job: 'j' })).toThrow(ConfigError);
    expect(() => pushgatewayUrl({ gatewayUrl: 'http://gw', job: 'j', groupings: { 'bad-label': 'x' } })).toThrow(
      /bad-label/,
    );
  });
});
