# Storm's classic split bolt: BasicBolt anchors each word to the sentence and acks it after process.
import storm


class SplitSentenceBolt(storm.BasicBolt):
    def initialize(self, conf, context):
        self.fail_once = set(conf.get('test.fail.once', []))

    def process(self, tup):
        sentence, i, attempt = tup.values
        if i in self.fail_once and attempt == 0:
            # BasicBolt reports the traceback and fails the tuple; the spout replays it.
            raise ValueError('refusing sentence %d once' % i)
        for word in sentence.split(' '):
            storm.emit([word])


SplitSentenceBolt().run()
