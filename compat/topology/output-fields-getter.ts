import { IllegalArgumentException } from '../component/exceptions.ts';
import type { Fields } from '../component/fields.ts';
import type { OutputFieldsDeclarer } from '../component/interfaces.ts';
import { Utils } from '../component/utils.ts';
import { StreamInfo } from './storm-topology.ts';

/** Collects `declareOutputFields` into `StreamInfo`s (§3.4). */
export class OutputFieldsGetter implements OutputFieldsDeclarer {
  private readonly fields = new Map<string, StreamInfo>();

  declare(fields: Fields): void;
  declare(direct: boolean, fields: Fields): void;
  declare(a: boolean | Fields, b?: Fields): void {
    if (typeof a === 'boolean') this.declareStream(Utils.DEFAULT_STREAM_ID, a, b!);
    else this.declareStream(Utils.DEFAULT_STREAM_ID, false, a);
  }

  declareStream(streamId: string, fields: Fields): void;
  declareStream(streamId: string, direct: boolean, fields: Fields): void;
  declareStream(streamId: string, a: boolean | Fields, b?: Fields): void {
    const direct = typeof a === 'boolean' ? a : false;
    const fields = typeof a === 'boolean' ? b : a;
    if (streamId === null || streamId === undefined) throw new IllegalArgumentException("streamId can't be null");
    if (this.fields.has(streamId)) throw new IllegalArgumentException(`Fields for ${streamId} already set`);
    if (fields === null || fields === undefined || typeof fields.toList !== 'function') {
      throw new TypeError(`declareStream(${streamId}): expected a Fields`);
    }
    this.fields.set(streamId, new StreamInfo(fields.toList(), direct));
  }

  getFieldsDeclaration(): Map<string, StreamInfo> {
    return this.fields;
  }
}
