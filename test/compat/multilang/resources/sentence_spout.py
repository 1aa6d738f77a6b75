# A reliable spout: emits each sentence with its index as message id, replays failed ones, and
# reports acks and fails on stream "verdicts" so the test can see them.
import storm

SENTENCES = ['the cow jumped over the moon', 'an apple a day keeps the doctor away',
             'four score and seven years ago', 'snow white and the seven dwarfs']


class SentenceSpout(storm.Spout):
    def initialize(self, conf, context):
        self.limit = int(conf.get('test.sentences', 20))
        self.next = 0
        self.replay = []

    def nextTuple(self):
        attempt = 0
        if self.replay:
            i = self.replay.pop(0)
            attempt = 1
        elif self.next < self.limit:
            i = self.next
            self.next += 1
        else:
            return
        storm.emit([SENTENCES[i % len(SENTENCES)], i, attempt], id=i)

    def ack(self, id):
        storm.emit(['ack', id], stream='verdicts', need_task_ids=False)

    def fail(self, id):
        storm.emit(['fail', id], stream='verdicts', need_task_ids=False)
        self.replay.append(id)


SentenceSpout().run()
