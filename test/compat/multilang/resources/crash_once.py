# Dies (exit 3, a message on stderr) on its first tuple the first time it runs; a marker file
# makes the relaunched process behave, so the test sees the task restart and the tuple replayed.
import os
import sys
import storm


class CrashOnce(storm.BasicBolt):
    def initialize(self, conf, context):
        self.marker = os.path.join(conf['test.marker.dir'], 'crashed')

    def process(self, tup):
        if not os.path.exists(self.marker):
            open(self.marker, 'w').close()
            sys.stderr.write('boom: crashing on purpose\n')
            sys.stderr.flush()
            os._exit(3)
        storm.emit([tup.values[0]])


CrashOnce().run()
