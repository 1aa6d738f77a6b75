# The word-count split bolt as an unchanged Storm multilang script (BasicBolt: anchored emits, ack
# after process). With argument "no-task-ids" its emits skip the task-id reply (need_task_ids=False).
import sys
import storm

NEED_TASK_IDS = 'no-task-ids' not in sys.argv[1:]


class SplitSentence(storm.BasicBolt):
    def process(self, tup):
        sentence, ts = tup.values
        for word in sentence.split(' '):
            if word:
                storm.emit([word, ts], need_task_ids=NEED_TASK_IDS)


SplitSentence().run()
