# Emits random sentences, each with a message id; replays the ones that fail.
import random
import time
import storm

SENTENCES = [
    'the cow jumped over the moon',
    'an apple a day keeps the doctor away',
    'four score and seven years ago',
    'snow white and the seven dwarfs',
    'i am at two with nature',
]


class SentenceSpout(storm.Spout):
    def initialize(self, conf, context):
        self.rate = float(conf.get('sample.sentences.per.second', 200))
        self.pending = {}
        self.next_id = 0
        self.replay = []

    def nextTuple(self):
        time.sleep(1.0 / self.rate)
        if self.replay:
            msg_id = self.replay.pop()
        else:
            msg_id = self.next_id
            self.next_id += 1
            self.pending[msg_id] = random.choice(SENTENCES)
        storm.emit([self.pending[msg_id]], id=msg_id)

    def ack(self, id):
        self.pending.pop(id, None)

    def fail(self, id):
        self.replay.append(id)


SentenceSpout().run()
