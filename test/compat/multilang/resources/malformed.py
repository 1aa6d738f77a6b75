# Answers the handshake, then writes a stray print (not JSON) when a tuple arrives.
import sys
import storm

storm.initComponent()
storm._flush()
storm.readTuple()
sys.stdout.write('hello from print\nend\n')
sys.stdout.flush()
sys.stdin.read()
