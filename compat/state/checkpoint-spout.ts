import type { Tuple } from '../component/tuple.ts';

/** Storm's `CheckpointSpout`, constants only (§6): checkpoints ride the runtime's barriers. */
export class CheckpointSpout {
  static readonly CHECKPOINT_STREAM_ID = '$checkpoint';
  static readonly CHECKPOINT_COMPONENT_ID = '$checkpointspout';
  static readonly CHECKPOINT_FIELD_TXID = 'txid';
  static readonly CHECKPOINT_FIELD_ACTION = 'action';

  static isCheckpoint(input: Tuple): boolean {
    return input.getSourceStreamId() === CheckpointSpout.CHECKPOINT_STREAM_ID;
  }

  private constructor() {}
}
