/** Storm's `org.apache.storm.daemon.Acker`, constants only (§6): the acker is logical in stormshift. */
export class Acker {
  static readonly ACKER_COMPONENT_ID = '__acker';
  static readonly ACKER_INIT_STREAM_ID = '__ack_init';
  static readonly ACKER_ACK_STREAM_ID = '__ack_ack';
  static readonly ACKER_FAIL_STREAM_ID = '__ack_fail';
  static readonly ACKER_RESET_TIMEOUT_STREAM_ID = '__ack_reset_timeout';
  static readonly TIMEOUT_BUCKET_NUM = 3;

  private constructor() {}
}
