/** storm-starter's PrinterBolt: prints every tuple it receives (Tuple.toString) and emits nothing. */
import {
  BaseBasicBolt,
  type BasicOutputCollector,
  type OutputFieldsDeclarer,
  type Tuple,
} from '../../../compat/index.ts';

export class PrinterBolt extends BaseBasicBolt {
  execute(tuple: Tuple, _collector: BasicOutputCollector): void {
    console.log(String(tuple));
  }

  override declareOutputFields(_declarer: OutputFieldsDeclarer): void {}
}
