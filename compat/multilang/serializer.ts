/**
 * Storm's multilang JSON serializer (§11): each message is JSON text, `\n`, then a line `end\n`.
 * The reader joins lines until one equals `end`; what cannot be parsed is reported with the bytes
 * read, because a stray `print` in a user script is the usual cause and the bytes name it.
 */
import { RuntimeException } from '../component/exceptions.ts';

export const JSON_SERIALIZER = 'org.apache.storm.multilang.JsonSerializer';
export const MULTILANG_SERIALIZER_KEY = 'topology.multilang.serializer';

/** Only Storm's JSON serializer exists in stormshift; any other class name fails at prepare/open. */
export function checkSerializer(conf: Record<string, unknown>): void {
  const name = conf[MULTILANG_SERIALIZER_KEY];
  if (name === undefined || name === null || name === JSON_SERIALIZER) return;
  throw new RuntimeException(
    `Failed to construct multilang serializer from serializer ${String(name)}: stormshift supports only ${JSON_SERIALIZER}`,
  );
}

/** One framed message. Storm writes with json-simple; JSON.stringify yields the same JSON text. */
export function frame(message: unknown): string {
  return `${JSON.stringify(message, bigintAsNumber)}\nend\n`;
}

function bigintAsNumber(_key: string, value: unknown): unknown {
  // Tuples may carry bigint (R4); multilang has no 64-bit integers, so they go out as decimal numbers.
  return typeof value === 'bigint' ? (Number.isSafeInteger(Number(value)) ? Number(value) : value.toString()) : value;
}

export class MalformedMessageError extends RuntimeException {
  constructor(
    message: string,
    readonly bytes: string,
  ) {
    super(message);
  }
}

/** How much of an offending message an error quotes. */
const QUOTE_LIMIT = 2000;

export function quoteBytes(text: string): string {
  const q = JSON.stringify(text.length > QUOTE_LIMIT ? `${text.slice(0, QUOTE_LIMIT)}…` : text);
  return q;
}

/**
 * Incremental reader of the process's stdout: `push` chunks, get whole messages. Lines are split
 * on `\n` (a trailing `\r` is dropped, as Java's readLine does).
 */
export class MessageReader {
  private partial = '';
  private lines: string[] = [];
  private readonly decoder = new TextDecoder('utf-8');

  /** Decodes a chunk and returns every message it completed, in order. Throws on malformed JSON. */
  push(chunk: Uint8Array | string): unknown[] {
    const text = typeof chunk === 'string' ? chunk : this.decoder.decode(chunk, { stream: true });
    const out: unknown[] = [];
    let start = 0;
    const data = this.partial + text;
    this.partial = '';
    for (;;) {
      const nl = data.indexOf('\n', start);
      if (nl < 0) break;
      let line = data.slice(start, nl);
      start = nl + 1;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line === 'end') {
        const body = this.lines.join('\n');
        this.lines = [];
        out.push(parse(body));
      } else {
        this.lines.push(line);
      }
    }
    this.partial = data.slice(start);
    return out;
  }

  /** What was read of a message not yet terminated by `end` (for "Pipe … broken" errors). */
  pending(): string {
    const parts = [...this.lines];
    if (this.partial !== '') parts.push(this.partial);
    return parts.join('\n');
  }
}

function parse(body: string): unknown {
  try {
    return JSON.parse(body);
  } catch (error) {
    throw new MalformedMessageError(
      `malformed multilang message (${(error as Error).message}): ${quoteBytes(body)}`,
      body,
    );
  }
}
