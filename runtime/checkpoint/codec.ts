/**
 * On-disk framing for snapshots. The payload is node:v8 structured serialization (Map, Set, Date,
 * bigint, typed arrays and `undefined` survive, which JSON would silently lose). The header exists so
 * that a torn write or a flipped bit is reported as a CheckpointError instead of being restored as
 * wrong state: a restore from garbage is worse than a restore that fails loudly.
 *
 * Layout (big-endian):
 *   0..7    magic "STSHSNAP"
 *   8..9    format version (uint16)
 *   10..17  payload length (uint64)
 *   18..49  SHA-256 of the payload
 *   50..    payload
 */
import { createHash } from 'node:crypto';
import { deserialize, serialize } from 'node:v8';
import { CheckpointError } from '../errors.ts';

const MAGIC = Buffer.from('STSHSNAP', 'ascii');
const FORMAT_VERSION = 1;
const VERSION_OFFSET = MAGIC.length;
const LENGTH_OFFSET = VERSION_OFFSET + 2;
const HASH_OFFSET = LENGTH_OFFSET + 8;
const HASH_LENGTH = 32;
export const SNAPSHOT_HEADER_BYTES = HASH_OFFSET + HASH_LENGTH;

export function encodeSnapshot(value: unknown): Buffer {
  let payload: Buffer;
  try {
    payload = serialize(value);
  } catch (error) {
    throw new CheckpointError(`snapshot state cannot be serialized: ${(error as Error).message}`, { cause: error });
  }
  const header = Buffer.alloc(SNAPSHOT_HEADER_BYTES);
  MAGIC.copy(header, 0);
  header.writeUInt16BE(FORMAT_VERSION, VERSION_OFFSET);
  header.writeBigUInt64BE(BigInt(payload.length), LENGTH_OFFSET);
  createHash('sha256').update(payload).digest().copy(header, HASH_OFFSET);
  return Buffer.concat([header, payload]);
}

export function decodeSnapshot(buf: Buffer, path?: string): unknown {
  const where = path === undefined ? 'snapshot' : `snapshot ${path}`;
  const fail = (what: string, cause?: unknown): never => {
    throw new CheckpointError(`${where} is unreadable: ${what}`, { path, cause, retriable: false });
  };
  if (buf.length < MAGIC.length || !buf.subarray(0, MAGIC.length).equals(MAGIC)) {
    fail(buf.length < MAGIC.length ? 'truncated (no header)' : 'bad magic, not a stormshift snapshot');
  }
  if (buf.length < SNAPSHOT_HEADER_BYTES) fail(`truncated header (${buf.length} of ${SNAPSHOT_HEADER_BYTES} bytes)`);
  const version = buf.readUInt16BE(VERSION_OFFSET);
  if (version !== FORMAT_VERSION) fail(`unsupported format version ${version} (this build reads ${FORMAT_VERSION})`);
  const declared = buf.readBigUInt64BE(LENGTH_OFFSET);
  const actual = BigInt(buf.length - SNAPSHOT_HEADER_BYTES);
  if (declared > actual) fail(`truncated payload (${actual} of ${declared} bytes)`);
  if (declared < actual) fail(`trailing bytes after payload (${actual} bytes, header says ${declared})`);
  const payload = buf.subarray(SNAPSHOT_HEADER_BYTES);
  const digest = createHash('sha256').update(payload).digest();
  if (!digest.equals(buf.subarray(HASH_OFFSET, HASH_OFFSET + HASH_LENGTH))) fail('checksum mismatch (corrupted)');
  try {
    return deserialize(payload);
  } catch (error) {
    // Only reachable if a writer produced a valid frame around a bad payload.
    return fail(`payload does not deserialize: ${(error as Error).message}`, error);
  }
}
