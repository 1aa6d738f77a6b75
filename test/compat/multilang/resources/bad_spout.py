# A spout that misbehaves on "next" in the way its first argument names: "hang" never syncs,
# "bogus" sends a command Storm does not know.
import sys
import time
import storm

mode = sys.argv[1]
storm.initComponent()
storm._flush()
while True:
    msg = storm.readCommand()
    if msg['command'] != 'next':
        storm.sync()
        continue
    if mode == 'hang':
        storm._flush()
        time.sleep(3600)
    storm.sendMsgToParent({'command': 'bogus'})
    storm._flush()
