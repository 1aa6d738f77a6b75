# Holds tuples and emits one sum per five inputs, anchored to all five, then acks them: tuples
# sit in the subprocess between emits, which is what checkpoint mode must not lose on a restore.
import storm


class Batch(storm.Bolt):
    def initialize(self, conf, context):
        self.held = []

    def process(self, tup):
        self.held.append(tup)
        if len(self.held) == 5:
            storm.emit([sum(t.values[0] for t in self.held)], anchors=self.held, need_task_ids=False)
            for t in self.held:
                storm.ack(t)
            self.held = []


Batch().run()
