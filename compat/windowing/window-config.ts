import { CONFIG_KEYS as K } from '../component/config-keys.ts';
import { IllegalArgumentException } from '../component/exceptions.ts';
import type { Conf } from '../component/config.ts';

/** Storm's defaults (WindowedBoltExecutor, defaults.yaml). */
export const DEFAULT_WATERMARK_EVENT_INTERVAL_MS = 1000;
export const DEFAULT_MAX_LAG_MS = 0;
const DEFAULT_MESSAGE_TIMEOUT_SECS = 30;
const INT_MAX = 2 ** 31 - 1;

/** A window's shape as the engine needs it, read from the merged conf. Exactly one length and one slide are set. */
export interface WindowSpec {
  lengthCount: number | null;
  lengthDurationMs: number | null;
  slideCount: number | null;
  slideDurationMs: number | null;
  /** A timestamp extractor is set: watermarks drive the window. */
  eventTime: boolean;
  lagMs: number;
  watermarkIntervalMs: number;
  lateTupleStream: string | null;
  messageIdField: string | null;
}

export interface WindowConfigOptions {
  /** The bolt's `getTimestampExtractor()` is non-null. */
  hasTimestampExtractor?: boolean;
  /** Streams the component declares; if given, a late stream must be among them. */
  declaredStreams?: ReadonlySet<string> | readonly string[];
  /** Stateful windowed bolt without persistence: needs the message-id field. */
  statefulNonPersistent?: boolean;
  /** Persistent stateful windowed bolt: Storm validates the checkpoint interval instead of the window sizes. */
  persistent?: boolean;
}

function has(conf: Conf, key: string): boolean {
  return conf[key] !== undefined && conf[key] !== null;
}

function intOf(v: unknown): number {
  // Java's ((Number) x).intValue(): truncate; decimal strings are accepted because R5 allows them.
  const n = typeof v === 'bigint' ? Number(v) : typeof v === 'string' ? Number(v.trim()) : (v as number);
  return Math.trunc(Number(n));
}

/** Merged view: component keys over topology keys (what `prepare` receives in Storm). */
function merge(componentConf: Conf | null | undefined, topologyConf: Conf | null | undefined): Conf {
  return { ...(topologyConf ?? {}), ...(componentConf ?? {}) };
}

function timeoutMillis(conf: Conf): number {
  if (has(conf, K.TOPOLOGY_ENABLE_MESSAGE_TIMEOUTS)) {
    const v = conf[K.TOPOLOGY_ENABLE_MESSAGE_TIMEOUTS];
    if (v === false || v === 'false') return INT_MAX;
  }
  const secs = has(conf, K.TOPOLOGY_MESSAGE_TIMEOUT_SECS)
    ? intOf(conf[K.TOPOLOGY_MESSAGE_TIMEOUT_SECS])
    : DEFAULT_MESSAGE_TIMEOUT_SECS;
  return secs * 1000;
}

function maxSpoutPending(conf: Conf): number {
  return has(conf, K.TOPOLOGY_MAX_SPOUT_PENDING) ? intOf(conf[K.TOPOLOGY_MAX_SPOUT_PENDING]) : INT_MAX;
}

function ensureDurationLessThanTimeout(duration: number, timeout: number): void {
  if (duration > timeout) {
    throw new IllegalArgumentException(
      `Window duration (length + sliding interval) value ${duration} is more than ${K.TOPOLOGY_MESSAGE_TIMEOUT_SECS} value ${timeout}`,
    );
  }
}

function ensureCountLessThanMaxPending(count: number, maxPending: number): void {
  if (count > maxPending) {
    throw new IllegalArgumentException(
      `Window count (length + sliding interval) value ${count} is more than ${K.TOPOLOGY_MAX_SPOUT_PENDING} value ${maxPending}`,
    );
  }
}

/** Reads the window keys without validating (count keys win over duration keys, as in Storm). */
export function parseWindowConfig(conf: Conf, hasTimestampExtractor = false): WindowSpec {
  const spec: WindowSpec = {
    lengthCount: null,
    lengthDurationMs: null,
    slideCount: null,
    slideDurationMs: null,
    eventTime: hasTimestampExtractor,
    lagMs: DEFAULT_MAX_LAG_MS,
    watermarkIntervalMs: DEFAULT_WATERMARK_EVENT_INTERVAL_MS,
    lateTupleStream: null,
    messageIdField: null,
  };
  if (has(conf, K.TOPOLOGY_BOLTS_WINDOW_LENGTH_COUNT)) {
    spec.lengthCount = intOf(conf[K.TOPOLOGY_BOLTS_WINDOW_LENGTH_COUNT]);
  } else if (has(conf, K.TOPOLOGY_BOLTS_WINDOW_LENGTH_DURATION_MS)) {
    spec.lengthDurationMs = intOf(conf[K.TOPOLOGY_BOLTS_WINDOW_LENGTH_DURATION_MS]);
  }
  if (has(conf, K.TOPOLOGY_BOLTS_SLIDING_INTERVAL_COUNT)) {
    spec.slideCount = intOf(conf[K.TOPOLOGY_BOLTS_SLIDING_INTERVAL_COUNT]);
  } else if (has(conf, K.TOPOLOGY_BOLTS_SLIDING_INTERVAL_DURATION_MS)) {
    spec.slideDurationMs = intOf(conf[K.TOPOLOGY_BOLTS_SLIDING_INTERVAL_DURATION_MS]);
  } else {
    spec.slideCount = 1;
  }
  if (hasTimestampExtractor) {
    if (has(conf, K.TOPOLOGY_BOLTS_LATE_TUPLE_STREAM))
      spec.lateTupleStream = String(conf[K.TOPOLOGY_BOLTS_LATE_TUPLE_STREAM]);
    if (has(conf, K.TOPOLOGY_BOLTS_TUPLE_TIMESTAMP_MAX_LAG_MS)) {
      spec.lagMs = intOf(conf[K.TOPOLOGY_BOLTS_TUPLE_TIMESTAMP_MAX_LAG_MS]);
    }
    if (has(conf, K.TOPOLOGY_BOLTS_WATERMARK_EVENT_INTERVAL_MS)) {
      spec.watermarkIntervalMs = intOf(conf[K.TOPOLOGY_BOLTS_WATERMARK_EVENT_INTERVAL_MS]);
    }
  }
  if (has(conf, K.TOPOLOGY_BOLTS_MESSAGE_ID_FIELD_NAME)) {
    spec.messageIdField = String(conf[K.TOPOLOGY_BOLTS_MESSAGE_ID_FIELD_NAME]);
  }
  return spec;
}

/**
 * §9's prepare-time validation, with Storm's messages, over the component conf overlaid on the
 * topology conf. Returns the parsed spec for the WindowManager. Throws `IllegalArgumentException`
 * (the executor lets it crash the task, as Storm does).
 */
export function validateWindowConfig(
  componentConf: Conf | null | undefined,
  topologyConf: Conf | null | undefined,
  options: WindowConfigOptions = {},
): WindowSpec {
  const conf = merge(componentConf, topologyConf);
  const extractor = options.hasTimestampExtractor === true;
  if (
    options.statefulNonPersistent === true &&
    !options.persistent &&
    !has(conf, K.TOPOLOGY_BOLTS_MESSAGE_ID_FIELD_NAME)
  ) {
    throw new IllegalArgumentException(`${K.TOPOLOGY_BOLTS_MESSAGE_ID_FIELD_NAME} is not set`);
  }
  const spec = parseWindowConfig(conf, extractor);
  if (extractor) {
    if (spec.lateTupleStream !== null && options.declaredStreams !== undefined) {
      const declared = options.declaredStreams;
      const ok = Array.isArray(declared)
        ? declared.includes(spec.lateTupleStream)
        : (declared as ReadonlySet<string>).has(spec.lateTupleStream);
      if (!ok) {
        throw new IllegalArgumentException(
          'Stream for late tuples must be defined with the builder method withLateTupleStream',
        );
      }
    }
  } else if (has(conf, K.TOPOLOGY_BOLTS_LATE_TUPLE_STREAM)) {
    throw new IllegalArgumentException('Late tuple stream can be defined only when specifying a timestamp field');
  }

  if (spec.lengthCount === null && spec.lengthDurationMs === null) {
    throw new IllegalArgumentException('Window length is not specified');
  }
  const timeout = timeoutMillis(conf);
  if (options.persistent === true) {
    const interval = has(conf, K.TOPOLOGY_STATE_CHECKPOINT_INTERVAL)
      ? intOf(conf[K.TOPOLOGY_STATE_CHECKPOINT_INTERVAL])
      : INT_MAX;
    if (interval > timeout) {
      throw new IllegalArgumentException(
        `${K.TOPOLOGY_STATE_CHECKPOINT_INTERVAL}${interval} is more than ${K.TOPOLOGY_MESSAGE_TIMEOUT_SECS} value ${timeout}`,
      );
    }
    return spec;
  }
  const { lengthDurationMs: ld, slideDurationMs: sd, lengthCount: lc, slideCount: sc } = spec;
  if (ld !== null && sd !== null) ensureDurationLessThanTimeout(ld + sd, timeout);
  else if (ld !== null) ensureDurationLessThanTimeout(ld, timeout);
  else if (sd !== null) ensureDurationLessThanTimeout(sd, timeout);
  const maxPending = maxSpoutPending(conf);
  if (lc !== null && sc !== null) ensureCountLessThanMaxPending(lc + sc, maxPending);
  else if (lc !== null) ensureCountLessThanMaxPending(lc, maxPending);
  else if (sc !== null) ensureCountLessThanMaxPending(sc, maxPending);
  return spec;
}
