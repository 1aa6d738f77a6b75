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
import { TransactionLedger, type TransactionalOffset } from './transactions.ts';

export interface UpstreamBroker {
  nodeId: number;
  host: string;
  port: number;
}

const API_PRODUCE = 0;
const API_FETCH = 1;
const API_OFFSET_FETCH = 9;
const API_TXN_OFFSET_COMMIT = 28;
const API_METADATA = 3;
const API_FIND_COORDINATOR = 10;
const API_INIT_PRODUCER_ID = 22;
const API_END_TXN = 26;
/** Non-flexible versions whose layouts the transaction ledger reads. */
const MAX_PRODUCE_VERSION = 8;
const MAX_FETCH_VERSION = 11;
const MAX_TXN_VERSION = 1;
/** Non-flexible versions whose layouts the transactional offsets read and rewrite. */
const MAX_TXN_OFFSET_COMMIT_VERSION = 2;
const MAX_OFFSET_FETCH_VERSION = 5;
const INVALID_PRODUCER_EPOCH = 47;
const COORDINATOR_LOAD_IN_PROGRESS = 14;
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
  /** Kafka's transaction semantics on top of the mock (see transactions.ts). */
  readonly transactions = new TransactionLedger();

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
    const pendingTxn = new Map<number, Rewrite>();

    const requests = new FrameScanner(12, (header) => {
      const apiKey = header.readInt16BE(4);
      const apiVersion = header.readInt16BE(6);
      const correlationId = header.readInt32BE(8);
      if (apiKey === API_METADATA) pendingMetadata.set(correlationId, apiVersion);
      else if (apiKey === API_FIND_COORDINATOR) pendingCoordinator.set(correlationId, apiVersion);
      else if (apiKey === API_PRODUCE && apiVersion >= 3 && apiVersion <= MAX_PRODUCE_VERSION)
        return (frame) => this.readProduce(frame);
      else if (apiKey === API_FETCH && apiVersion >= 4 && apiVersion <= MAX_FETCH_VERSION)
        return (frame) => this.readFetch(frame, apiVersion, correlationId, pendingTxn);
      else if (apiKey === API_INIT_PRODUCER_ID && apiVersion <= MAX_TXN_VERSION)
        return (frame) => this.readInitProducerId(frame, correlationId, pendingTxn);
      else if (apiKey === API_END_TXN && apiVersion <= MAX_TXN_VERSION)
        return (frame) => this.readEndTxn(frame, correlationId, pendingTxn);
      else if (apiKey === API_TXN_OFFSET_COMMIT && apiVersion <= MAX_TXN_OFFSET_COMMIT_VERSION)
        return (frame) => this.readTxnOffsetCommit(frame, apiVersion, correlationId, pendingTxn);
      else if (apiKey === API_OFFSET_FETCH && apiVersion >= 1 && apiVersion <= MAX_OFFSET_FETCH_VERSION)
        return (frame) => this.readOffsetFetch(frame, apiVersion, correlationId, pendingTxn);
      return null;
    });

    const responses = new FrameScanner(8, (header) => {
      const correlationId = header.readInt32BE(4);
      const txn = pendingTxn.get(correlationId);
      if (txn) {
        pendingTxn.delete(correlationId);
        return txn;
      }
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

  /**
   * Produce request v3..v8: transactional_id NULLABLE_STRING, acks INT16, timeout INT32,
   * topics ARRAY(name STRING, partitions ARRAY(index INT32, records NULLABLE_BYTES)).
   * Each transactional batch is entered in the ledger; the frame goes on unchanged.
   */
  private readProduce(frame: Buffer): Buffer {
    const r = requestBody(frame);
    r.string();
    r.int16();
    r.int32();
    const topics = r.int32();
    for (let t = 0; t < topics; t++) {
      const topic = r.string() ?? '';
      const partitions = r.int32();
      for (let p = 0; p < partitions; p++) {
        const partition = r.int32();
        const size = r.int32();
        const end = r.offset + Math.max(size, 0);
        for (const batch of batches(frame, r.offset, end)) {
          if (batch.transactional && !batch.control)
            this.transactions.produced(batch.producerId, topic, partition, batch.baseSequence);
        }
        r.offset = end;
      }
    }
    return frame;
  }

  /** Fetch request v4..v11: replica INT32, max_wait INT32, min_bytes INT32, max_bytes INT32, isolation INT8, ... */
  private readFetch(frame: Buffer, version: number, correlationId: number, pending: Map<number, Rewrite>): Buffer {
    const r = requestBody(frame);
    r.offset += 16;
    if (r.int8() === 1) pending.set(correlationId, (response) => this.rewriteFetch(response, version));
    return frame;
  }

  /**
   * InitProducerId v0..v1: transactional_id NULLABLE_STRING, timeout INT32; response throttle,
   * error, pid INT64, epoch. A producer id the mock hands out a second time is answered
   * COORDINATOR_LOAD_IN_PROGRESS instead, which clients retry (see TransactionLedger.issue).
   */
  private readInitProducerId(frame: Buffer, correlationId: number, pending: Map<number, Rewrite>): Buffer {
    const transactionalId = requestBody(frame).string();
    pending.set(correlationId, (response) => {
      const r = new Reader(response, 12);
      if (r.int16() !== 0 || this.transactions.issue(transactionalId, r.int64())) return response;
      const out = Buffer.from(response);
      out.writeInt16BE(COORDINATOR_LOAD_IN_PROGRESS, 12);
      return out;
    });
    return frame;
  }

  /**
   * EndTxn v0..v1: transactional_id STRING, producer_id INT64, epoch INT16, committed BOOLEAN;
   * response throttle INT32, error INT16. A held commit is swallowed; a fenced producer's
   * successful EndTxn becomes INVALID_PRODUCER_EPOCH, as from Kafka's coordinator.
   */
  private readEndTxn(frame: Buffer, correlationId: number, pending: Map<number, Rewrite>): Buffer {
    const r = requestBody(frame);
    const transactionalId = r.string() ?? '';
    const producerId = r.int64();
    r.int16();
    const committed = r.int8() === 1;
    if (committed && this.transactions.takeHold({ transactionalId, producerId })) return Buffer.alloc(0);
    pending.set(correlationId, (response) => {
      if (response.readInt16BE(12) !== 0) return response;
      if (this.transactions.fenced(producerId)) {
        const out = Buffer.from(response);
        out.writeInt16BE(INVALID_PRODUCER_EPOCH, 12);
        return out;
      }
      this.transactions.end(producerId, committed ? 'committed' : 'aborted');
      return response;
    });
    return frame;
  }

  /**
   * TxnOffsetCommit v0..v2: transactional_id STRING, group_id STRING, producer_id INT64, epoch INT16,
   * topics ARRAY(name STRING, partitions ARRAY(partition INT32, offset INT64, [v2+ leader_epoch
   * INT32], metadata NULLABLE_STRING)); response throttle INT32, topics ARRAY(name, partitions
   * ARRAY(partition INT32, error INT16)). Offsets the mock accepted go to the ledger, which stores
   * them when the transaction commits.
   */
  private readTxnOffsetCommit(
    frame: Buffer,
    version: number,
    correlationId: number,
    pending: Map<number, Rewrite>,
  ): Buffer {
    const r = requestBody(frame);
    r.string();
    const groupId = r.string() ?? '';
    const producerId = r.int64();
    r.int16();
    const offsets: TransactionalOffset[] = [];
    const topics = r.int32();
    for (let t = 0; t < topics; t++) {
      const topic = r.string() ?? '';
      const partitions = r.int32();
      for (let p = 0; p < partitions; p++) {
        const partition = r.int32();
        const offset = r.int64();
        if (version >= 2) r.int32();
        offsets.push({ topic, partition, offset, metadata: r.string() });
      }
    }
    pending.set(correlationId, (response) => {
      const res = new Reader(response, 12);
      const accepted = new Set<string>();
      const rtopics = res.int32();
      for (let t = 0; t < rtopics; t++) {
        const topic = res.string() ?? '';
        const partitions = res.int32();
        for (let p = 0; p < partitions; p++) {
          const partition = res.int32();
          if (res.int16() === 0) accepted.add(`${topic}:${partition}`);
        }
      }
      const stored = offsets.filter((o) => accepted.has(`${o.topic}:${o.partition}`));
      if (stored.length > 0) this.transactions.offsetsSent(producerId, groupId, stored);
      return response;
    });
    return frame;
  }

  /**
   * OffsetFetch v1..v5: group_id STRING, topics NULLABLE ARRAY (null = all, v2+); response
   * [v3+ throttle INT32] topics ARRAY(name STRING, partitions ARRAY(partition INT32, offset INT64,
   * [v5+ leader_epoch INT32], metadata NULLABLE_STRING, error INT16)) [v2+ error INT16]. For a
   * group with transactionally committed offsets, those replace what the mock answers.
   */
  private readOffsetFetch(
    frame: Buffer,
    version: number,
    correlationId: number,
    pending: Map<number, Rewrite>,
  ): Buffer {
    const r = requestBody(frame);
    const groupId = r.string() ?? '';
    const allTopics = r.int32() < 0;
    if (this.transactions.committedOffsets(groupId) === undefined) return frame;
    pending.set(correlationId, (response) => {
      const stored = this.transactions.committedOffsets(groupId);
      if (!stored) return response;
      const res = new Reader(response, 4);
      const w = new Writer();
      w.int32(res.int32());
      if (version >= 3) w.int32(res.int32());
      const answered = new Set<string>();
      const topics = new Map<
        string,
        Array<{ partition: number; offset: string; leaderEpoch: number; metadata: string | null; error: number }>
      >();
      const count = res.int32();
      for (let t = 0; t < count; t++) {
        const topic = res.string() ?? '';
        const list = topics.get(topic) ?? [];
        topics.set(topic, list);
        const partitions = res.int32();
        for (let p = 0; p < partitions; p++) {
          const partition = res.int32();
          const offset = res.int64();
          const leaderEpoch = version >= 5 ? res.int32() : -1;
          const metadata = res.string();
          const error = res.int16();
          const mine = stored.get(`${topic}:${partition}`);
          answered.add(`${topic}:${partition}`);
          list.push(
            mine
              ? { partition, offset: mine.offset, leaderEpoch: -1, metadata: mine.metadata, error: 0 }
              : { partition, offset, leaderEpoch, metadata, error },
          );
        }
      }
      if (allTopics) {
        for (const [key, o] of stored) {
          if (answered.has(key)) continue;
          const list = topics.get(o.topic) ?? [];
          topics.set(o.topic, list);
          list.push({ partition: o.partition, offset: o.offset, leaderEpoch: -1, metadata: o.metadata, error: 0 });
        }
      }
      w.int32(topics.size);
      for (const [topic, list] of topics) {
        w.string(topic);
        w.int32(list.length);
        for (const p of list) {
          w.int32(p.partition);
          w.int64(p.offset);
          if (version >= 5) w.int32(p.leaderEpoch);
          w.string(p.metadata);
          w.int16(p.error);
        }
      }
      w.raw(response.subarray(res.offset));
      return w.frame();
    });
    return frame;
  }

  /**
   * Fetch response v4..v11 for a read_committed reader:
   *   throttle INT32 [v7+ error INT16, session INT32] topics ARRAY(name STRING, partitions ARRAY(
   *   index INT32, error INT16, high_watermark INT64, last_stable_offset INT64, [v5+ log_start INT64]
   *   aborted ARRAY(pid INT64, first INT64) [v11+ preferred_replica INT32] records NULLABLE_BYTES))
   * The records end before the first batch of an open transaction (the last stable offset), so
   * the reader waits there. An aborted batch stays, marked as a control batch (CRC recomputed):
   * a client skips control records and moves past them, as past Kafka's abort markers. Dropping
   * the batch instead would stall kafkajs, which only advances over records it was sent.
   */
  private rewriteFetch(frame: Buffer, version: number): Buffer {
    const out = Buffer.from(frame);
    const pieces: Buffer[] = [];
    let copied = 0;
    let changed = false;
    const r = new Reader(out, 12);
    if (version >= 7) r.offset += 6;
    const topics = r.int32();
    for (let t = 0; t < topics; t++) {
      const topic = r.string() ?? '';
      const partitions = r.int32();
      for (let p = 0; p < partitions; p++) {
        const partition = r.int32();
        r.int16();
        const hwAt = r.offset;
        r.offset += 16;
        if (version >= 5) r.offset += 8;
        const aborted = r.int32();
        r.offset += Math.max(aborted, 0) * 16;
        if (version >= 11) r.offset += 4;
        const sizeAt = r.offset;
        const size = r.int32();
        const start = r.offset;
        const end = start + Math.max(size, 0);
        r.offset = end;
        for (const batch of batches(out, start, end)) {
          if (!batch.transactional || batch.control) continue;
          const status = this.transactions.statusOf(batch.producerId, topic, partition, batch.baseSequence);
          if (status === 'aborted') {
            out.writeInt16BE(out.readInt16BE(batch.start + 21) | 0x20, batch.start + 21);
            out.writeUInt32BE(crc32c(out, batch.start + 21, batch.end), batch.start + 17);
            changed = true;
          } else if (status === 'open') {
            if (batch.baseOffset < out.readBigInt64BE(hwAt + 8)) out.writeBigInt64BE(batch.baseOffset, hwAt + 8);
            const length = Buffer.alloc(4);
            length.writeInt32BE(batch.start - start);
            pieces.push(out.subarray(copied, sizeAt), length, out.subarray(start, batch.start));
            copied = end;
            break;
          }
        }
      }
    }
    if (pieces.length === 0) return changed ? out : frame;
    pieces.push(out.subarray(copied));
    const result = Buffer.concat(pieces);
    result.writeInt32BE(result.length - 4, 0);
    return result;
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

interface BatchHeader {
  start: number;
  end: number;
  baseOffset: bigint;
  lastOffsetDelta: number;
  producerId: string;
  baseSequence: number;
  transactional: boolean;
  control: boolean;
}

/**
 * Record batches (magic 2) in buf[start, end): baseOffset INT64, length INT32, leader epoch INT32,
 * magic INT8, crc INT32, attributes INT16 (0x10 transactional, 0x20 control), last offset delta
 * INT32, two timestamps INT64, producer id INT64, epoch INT16, base sequence INT32. Stops at a
 * partial batch or an older format.
 */
function* batches(buf: Buffer, start: number, end: number): Generator<BatchHeader> {
  let at = start;
  while (at + 61 <= end) {
    const batchEnd = at + 12 + buf.readInt32BE(at + 8);
    if (batchEnd > end || buf.readInt8(at + 16) !== 2) return;
    const attributes = buf.readInt16BE(at + 21);
    yield {
      start: at,
      end: batchEnd,
      baseOffset: buf.readBigInt64BE(at),
      lastOffsetDelta: buf.readInt32BE(at + 23),
      producerId: buf.readBigInt64BE(at + 43).toString(),
      baseSequence: buf.readInt32BE(at + 53),
      transactional: (attributes & 0x10) !== 0,
      control: (attributes & 0x20) !== 0,
    };
    at = batchEnd;
  }
}

const CRC32C_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32C (Castagnoli), the checksum of a record batch from its attributes to its end. */
function crc32c(buf: Buffer, start: number, end: number): number {
  let crc = 0xffffffff;
  for (let i = start; i < end; i++) crc = CRC32C_TABLE[(crc ^ buf[i]!) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A reader at the body of a request frame (after size, api key, version, correlation id, client id). */
function requestBody(frame: Buffer): Reader {
  const r = new Reader(frame, 12);
  r.string();
  return r;
}

class Reader {
  constructor(
    private readonly buf: Buffer,
    public offset: number,
  ) {}
  int8(): number {
    const v = this.buf.readInt8(this.offset);
    this.offset += 1;
    return v;
  }
  int64(): string {
    const v = this.buf.readBigInt64BE(this.offset);
    this.offset += 8;
    return v.toString();
  }
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
  int64(v: string): void {
    const b = Buffer.alloc(8);
    b.writeBigInt64BE(BigInt(v));
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
