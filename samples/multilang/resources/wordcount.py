# Counts words (fields grouping keeps each word on one task) and emits the running count.
from collections import Counter
import storm


class WordCountBolt(storm.BasicBolt):
    def initialize(self, conf, context):
        self.counts = Counter()

    def process(self, tup):
        word = tup.values[0]
        self.counts[word] += 1
        storm.emit([word, self.counts[word]])


WordCountBolt().run()
