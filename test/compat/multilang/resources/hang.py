# Answers the handshake and then never reads or writes again: a hung subprocess.
import time
import storm

storm.initComponent()
storm._flush()
while True:
    time.sleep(60)
