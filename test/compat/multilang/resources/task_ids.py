# Plain Bolt exercising emits: the task-id reply of a regular emit, need_task_ids=False (no reply),
# a direct emit to a task found in the handshake context (no reply), ticks and a shell metric.
import json
import storm


class TaskIds(storm.Bolt):
    def initialize(self, conf, context):
        tasks = sorted(int(t) for t, c in context['task->component'].items() if c == 'direct-out')
        self.direct_task = tasks[-1]
        self.context = context

    def process(self, tup):
        if tup.is_tick_tuple():
            storm.emit(['tick', json.dumps([tup.component, tup.stream, tup.task, tup.values])], stream='report', need_task_ids=False)
            return
        ids = storm.emit([tup.values[0]], anchors=[tup])
        none = storm.emit([tup.values[0]], anchors=[tup], need_task_ids=False)
        storm.emitDirect(self.direct_task, [tup.values[0]], stream='direct', anchors=[tup])
        storm.emit(['ids', json.dumps({'value': tup.values[0], 'ids': ids, 'none': none})], stream='report', need_task_ids=False)
        storm.rpcMetrics('shell-count', 1)
        storm.ack(tup)


TaskIds().run()
