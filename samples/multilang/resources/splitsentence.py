# Storm's classic multilang split bolt (BasicBolt: anchored emits, ack after process).
import storm


class SplitSentenceBolt(storm.BasicBolt):
    def process(self, tup):
        for word in tup.values[0].split(' '):
            storm.emit([word])


SplitSentenceBolt().run()
