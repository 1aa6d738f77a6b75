/**
 * A Kafka-protocol proxy that sits between clients and librdkafka's mock brokers.
 *
 * Why it exists: the mock in librdkafka 2.0.2 reports controller id 0 in Metadata while its
 * brokers are numbered 1..N, so any kafkajs call that goes to "the controller" (idempotent
 * producer init, most admin calls) fails with "Broker 0 not found". Rather than patching
 * production code, the proxy repairs the one field on the wire.
 *
 * Everything is forwarded byte-for-byte except two response types, which are re-encoded:
 *   - Metadata (api key 3, v0..v8): broker host/port point at the proxy's own listeners so
 *     clients keep routing through it, and a controller id that names no broker is replaced
 *     with a live broker's id (what a real cluster does after electing a controller).
 *   - FindCoordinator (api key 10, v0..v3): coordinator host/port point at the proxy.
 * Versions with flexible (compact) encodings are passed through untouched; the mock only
 * advertises Metadata v0-2 and FindCoordinator v0-2, so kafkajs never negotiates them here.
 */
import net from 'node:net';

export interface UpstreamBroker {
  nodeId: number;
  host: string;
  port: number;
}

const API_METADATA = 3;
const API_FIND_COORDINATOR = 10;
const MAX_METADATA_VERSION = 8;
const MAX_FIND_COORDINATOR_VERSION = 2;

interface Listener {
  upstream: UpstreamBroker;
  server: net.Server;
  port: number;
}

export class KafkaProtocolProxy {
  private readonly listeners: Listener[] = [];
  private readonly sockets = new Set<net.Socket>();
  private readonly down = new Set<number>();
  /** upstream "host:port" → proxy port, for rewriting addresses in responses. */
  private readonly addressMap = new Map<string, number>();
  private closed = false;
  readonly host = '127.0.0.1';

  private constructor() {}

  static async start(upstreams: UpstreamBroker[]): Promise<KafkaProtocolProxy> {
    const proxy = new KafkaProtocolProxy();
    try {
      for (const upstream of upstreams) await proxy.listen(upstream);
    } catch (err) {
      await proxy.close();
      throw err;
    }
    return proxy;
  }

  /** Proxy addresses in the same order as the upstreams given to start(). */
  get addresses(): string[] {
    return this.listeners.map((l) => `${this.host}:${l.port}`);
  }

  /**
   * The harness tells the proxy which brokers it has taken down, so a substituted controller
   * id names a broker that answers; a real cluster would likewise move the controller.
   */
  setBrokerDown(nodeId: number, isDown: boolean): void {
    if (isDown) this.down.add(nodeId);
    else this.down.delete(nodeId);
  }

  /** Drops every open client connection (and its upstream twin) without closing listeners. */
  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.dropConnections();
    await Promise.all(this.listeners.map((l) => new Promise<void>((resolve) => l.server.close(() => resolve()))));
  }

  private async listen(upstream: UpstreamBroker): Promise<void> {
    const server = net.createServer((client) => this.accept(client, upstream));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, this.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const port = (server.address() as net.AddressInfo).port;
    this.listeners.push({ upstream, server, port });
    this.addressMap.set(`${upstream.host}:${upstream.port}`, port);
    // The mock may advertise "localhost" for the 127.0.0.1 it listens on.
    if (upstream.host === '127.0.0.1') this.addressMap.set(`localhost:${upstream.port}`, port);
  }

  private accept(client: net.Socket, upstream: UpstreamBroker): void {
    if (this.closed) {
      client.destroy();
      return;
    }
    const server = net.connect({ host: upstream.host, port: upstream.port });
    client.setNoDelay(true);
    server.setNoDelay(true);
    this.sockets.add(client);
    this.sockets.add(server);

    // correlation id → api version, for requests whose responses must be rewritten.
    const pendingMetadata = new Map<number, number>();
    const pendingCoordinator = new Map<number, number>();

    const requests = new FrameScanner(12, (header) => {
      const apiKey = header.readInt16BE(4);
      const apiVersion = header.readInt16BE(6);
      const correlationId = header.readInt32BE(8);
      if (apiKey === API_METADATA) pendingMetadata.set(correlationId, apiVersion);
      else if (apiKey === API_FIND_COORDINATOR) pendingCoordinator.set(correlationId, apiVersion);
      return null;
    });

    const responses = new FrameScanner(8, (header) => {
      const correlationId = header.readInt32BE(4);
      const metadataVersion = pendingMetadata.get(correlationId);
      if (metadataVersion !== undefined) {
        pendingMetadata.delete(correlationId);
        if (metadataVersion <= MAX_METADATA_VERSION) {
          return (frame) => this.rewriteMetadata(frame, metadataVersion);
        }
        return null;
      }
      const coordinatorVersion = pendingCoordinator.get(correlationId);
      if (coordinatorVersion !== undefined) {
        pendingCoordinator.delete(correlationId);
        if (coordinatorVersion <= MAX_FIND_COORDINATOR_VERSION) {
          return (frame) => this.rewriteFindCoordinator(frame, coordinatorVersion);
        }
      }
      return null;
    });

    pipeFrames(client, server, requests);
    pipeFrames(server, client, responses);

    const teardown = (): void => {
      this.sockets.delete(client);
      this.sockets.delete(server);
      client.destroy();
      server.destroy();
    };
    client.on('close', teardown);
    server.on('close', teardown);
    // Errors (ECONNREFUSED from a downed mock broker, ECONNRESET) end both sides; the client
    // sees a dropped connection, exactly as it would from the broker itself.
    client.on('error', teardown);
    server.on('error', teardown);
  }

  private mapAddress(host: string, port: number): { host: string; port: number } {
    const mapped = this.addressMap.get(`${host}:${port}`);
    return mapped === undefined ? { host, port } : { host: this.host, port: mapped };
  }

  /**
   * Metadata response v0..v8 (non-flexible):
   *   [v3+ throttle_time INT32] brokers ARRAY(node_id INT32, host STRING, port INT32,
   *   [v1+ rack NULLABLE_STRING]) [v2+ cluster_id NULLABLE_STRING] [v1+ controller_id INT32]
   *   topics ... (copied verbatim)
   */
  private rewriteMetadata(frame: Buffer, version: number): Buffer {
    const r = new Reader(frame, 4);
    const w = new Writer();
    w.int32(r.int32()); // correlation id
    if (version >= 3) w.int32(r.int32());
    const brokerCount = r.int32();
    w.int32(brokerCount);
    const ids: number[] = [];
    for (let i = 0; i < brokerCount; i++) {
      const nodeId = r.int32();
      const { host, port } = this.mapAddress(r.string() ?? '', r.int32());
      ids.push(nodeId);
      w.int32(nodeId);
      w.string(host);
      w.int32(port);
      if (version >= 1) w.string(r.string());
    }
    if (version >= 2) w.string(r.string());
    if (version >= 1) {
      const controllerId = r.int32();
      w.int32(ids.includes(controllerId) ? controllerId : this.pickController(ids, controllerId));
    }
    w.raw(frame.subarray(r.offset));
    return w.frame();
  }

  private pickController(ids: number[], reported: number): number {
    const sorted = [...ids].sort((a, b) => a - b);
    return sorted.find((id) => !this.down.has(id)) ?? sorted[0] ?? reported;
  }

  /**
   * FindCoordinator response:
   *   v0: error_code INT16, node_id INT32, host STRING, port INT32
   *   v1-2: throttle_time INT32, error_code INT16, error_message NULLABLE_STRING,
   *         node_id INT32, host STRING, port INT32
   */
  private rewriteFindCoordinator(frame: Buffer, version: number): Buffer {
    const r = new Reader(frame, 4);
    const w = new Writer();
    w.int32(r.int32());
    if (version >= 1) w.int32(r.int32());
    w.int16(r.int16());
    if (version >= 1) w.string(r.string());
    w.int32(r.int32());
    const { host, port } = this.mapAddress(r.string() ?? '', r.int32());
    w.string(host);
    w.int32(port);
    w.raw(frame.subarray(r.offset));
    return w.frame();
  }
}

type Rewrite = (frame: Buffer) => Buffer;

/**
 * Splits a byte stream into Kafka frames (INT32 size prefix) without buffering frames that
 * pass through unchanged: it only holds the first `headerLength` bytes of each frame until
 * `decide` says whether the whole frame must be collected and rewritten.
 */
class FrameScanner {
  private readonly header: Buffer;
  private headerFill = 0;
  private remaining = 0;
  private collecting: { rewrite: Rewrite; parts: Buffer[] } | null = null;

  constructor(
    private readonly headerLength: number,
    private readonly decide: (header: Buffer) => Rewrite | null,
  ) {
    this.header = Buffer.alloc(headerLength);
  }

  /** Returns the bytes to forward for this chunk, in order. */
  push(chunk: Buffer): Buffer[] {
    const out: Buffer[] = [];
    let pos = 0;
    while (pos < chunk.length) {
      if (this.remaining === 0) {
        const take = Math.min(this.headerLength - this.headerFill, chunk.length - pos);
        chunk.copy(this.header, this.headerFill, pos, pos + take);
        this.headerFill += take;
        pos += take;
        if (this.headerFill < this.headerLength) break;
        this.headerFill = 0;
        const size = this.header.readInt32BE(0);
        const bodyLeft = size + 4 - this.headerLength;
        if (bodyLeft < 0) throw new Error(`Kafka frame of size ${size} is shorter than its header`);
        const header = Buffer.from(this.header);
        const rewrite = this.decide(header);
        if (rewrite) this.collecting = { rewrite, parts: [header] };
        else out.push(header);
        this.remaining = bodyLeft;
        if (bodyLeft === 0) this.finishFrame(out);
        continue;
      }
      const take = Math.min(this.remaining, chunk.length - pos);
      const piece = chunk.subarray(pos, pos + take);
      pos += take;
      this.remaining -= take;
      if (this.collecting) this.collecting.parts.push(piece);
      else out.push(piece);
      if (this.remaining === 0) this.finishFrame(out);
    }
    return out;
  }

  private finishFrame(out: Buffer[]): void {
    if (!this.collecting) return;
    const { rewrite, parts } = this.collecting;
    this.collecting = null;
    out.push(rewrite(Buffer.concat(parts)));
  }
}

function pipeFrames(from: net.Socket, to: net.Socket, scanner: FrameScanner): void {
  from.on('data', (chunk: Buffer) => {
    let pieces: Buffer[];
    try {
      pieces = scanner.push(chunk);
    } catch (err) {
      from.destroy(err as Error);
      return;
    }
    let ok = true;
    for (const piece of pieces) ok = to.write(piece) && ok;
    if (!ok) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  });
  from.on('end', () => to.end());
}

class Reader {
  constructor(
    private readonly buf: Buffer,
    public offset: number,
  ) {}
  int16(): number {
    const v = this.buf.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }
  int32(): number {
    const v = this.buf.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }
  string(): string | null {
    const len = this.int16();
    if (len < 0) return null;
    const v = this.buf.toString('utf8', this.offset, this.offset + len);
    this.offset += len;
    return v;
  }
}

class Writer {
  private readonly parts: Buffer[] = [];
  private length = 0;
  private push(b: Buffer): void {
    this.parts.push(b);
    this.length += b.length;
  }
  int16(v: number): void {
    const b = Buffer.alloc(2);
    b.writeInt16BE(v);
    this.push(b);
  }
  int32(v: number): void {
    const b = Buffer.alloc(4);
    b.writeInt32BE(v);
    this.push(b);
  }
  string(v: string | null): void {
    if (v === null) {
      this.int16(-1);
      return;
    }
    const bytes = Buffer.from(v, 'utf8');
    this.int16(bytes.length);
    this.push(bytes);
  }
  raw(b: Buffer): void {
    this.push(b);
  }
  /** The written bytes with their INT32 size prefix. */
  frame(): Buffer {
    const size = Buffer.alloc(4);
    size.writeInt32BE(this.length);
    return Buffer.concat([size, ...this.parts]);
  }
}
