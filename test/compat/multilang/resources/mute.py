# Never answers the handshake.
import time
time.sleep(3600)
