/** Storm's reserved component and stream ids (§6). Values are Storm 2.8.8's, verbatim. */
export const Constants = Object.freeze({
  SYSTEM_COMPONENT_ID: '__system',
  SYSTEM_TASK_ID: -1,
  SYSTEM_EXECUTOR_ID: Object.freeze([-1, -1]) as readonly number[],
  SYSTEM_TICK_STREAM_ID: '__tick',
  SYSTEM_FLUSH_STREAM_ID: '__flush',
  METRICS_COMPONENT_ID_PREFIX: '__metrics_',
  METRICS_STREAM_ID: '__metrics',
  METRICS_TICK_STREAM_ID: '__metrics_tick',
} as const);

/** The acker's ids (constants only: the acking itself lives in compat/reliability). */
export const Acker = Object.freeze({
  ACKER_COMPONENT_ID: '__acker',
  ACKER_INIT_STREAM_ID: '__ack_init',
  ACKER_ACK_STREAM_ID: '__ack_ack',
  ACKER_FAIL_STREAM_ID: '__ack_fail',
  ACKER_RESET_TIMEOUT_STREAM_ID: '__ack_reset_timeout',
  TIMEOUT_BUCKET_NUM: 3,
} as const);

/** The checkpoint spout's ids (constants only: the protocol lives in compat/state). */
export const CheckpointSpout = Object.freeze({
  CHECKPOINT_STREAM_ID: '$checkpoint',
  CHECKPOINT_COMPONENT_ID: '$checkpointspout',
  CHECKPOINT_FIELD_TXID: 'txid',
  CHECKPOINT_FIELD_ACTION: 'action',
} as const);

/** Stream every component declares implicitly, and its fields (§6). */
export const SYSTEM_STREAM_ID = '__system';
export const SYSTEM_STREAM_FIELDS: readonly string[] = Object.freeze(['event']);
export const METRICS_STREAM_FIELDS: readonly string[] = Object.freeze(['task-info', 'data-points']);
export const TICK_STREAM_FIELDS: readonly string[] = Object.freeze(['rate_secs']);

/** Storm's `WindowedBoltExecutor.LATE_TUPLE_FIELD`: the single field of the auto-declared late stream. */
export const LATE_TUPLE_FIELD = 'late_tuple';
