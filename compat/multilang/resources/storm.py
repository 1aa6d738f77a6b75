# stormshift's multilang adapter for Python 3 (standard library only), written from Storm's
# multilang protocol document. Same API as Storm's storm.py: Tuple, Bolt, BasicBolt, Spout,
# emit, emitDirect, ack, fail, reportError, log*, rpcMetrics, initComponent, readTuple, sync.
#
# Output is buffered and flushed before every blocking read, so a bolt that emits many tuples per
# input writes them to the pipe in one go instead of one write per message.
import json
import os
import sys
import traceback
from collections import deque

_stdin = sys.stdin
_stdout = sys.stdout
_out = []
_pending_commands = deque()
_pending_task_ids = deque()
_in_bolt = True  # set by run(): a spout's emit carries a message id, a bolt's carries anchors

MODE = None
ANCHOR_TUPLE = None


def _flush():
    if _out:
        _stdout.write(''.join(_out))
        _out.clear()
    _stdout.flush()


def sendMsgToParent(msg):
    _out.append(json.dumps(msg))
    _out.append('\nend\n')


def readMsg():
    _flush()
    lines = []
    while True:
        line = _stdin.readline()
        if not line:
            raise EOFError('stdin closed: the parent went away')
        line = line.rstrip('\n').rstrip('\r')
        if line == 'end':
            break
        lines.append(line)
    return json.loads('\n'.join(lines))


def readTaskIds():
    if _pending_task_ids:
        return _pending_task_ids.popleft()
    while True:
        msg = readMsg()
        if isinstance(msg, list):
            return msg
        _pending_commands.append(msg)


def readCommand():
    if _pending_commands:
        return _pending_commands.popleft()
    while True:
        msg = readMsg()
        if isinstance(msg, list):
            _pending_task_ids.append(msg)
        else:
            return msg


def sync():
    sendMsgToParent({'command': 'sync'})


class Tuple(object):
    def __init__(self, id, component, stream, task, values):
        self.id = id
        self.component = component
        self.stream = stream
        self.task = task
        self.values = values

    def is_heartbeat_tuple(self):
        return self.task == -1 and self.stream == '__heartbeat'

    def is_tick_tuple(self):
        return self.task == -1 and self.stream == '__tick'

    def __repr__(self):
        return '<%s%s>' % (self.__class__.__name__, ''.join(' %s=%r' % (k, self.__dict__[k]) for k in sorted(self.__dict__)))


def readTuple():
    cmd = readCommand()
    return Tuple(cmd['id'], cmd['comp'], cmd['stream'], cmd['task'], cmd['tuple'])


def _emit(tup, stream=None, anchors=None, directTask=None, id=None, need_task_ids=True):
    m = {'command': 'emit', 'tuple': tup}
    if stream is not None:
        m['stream'] = stream
    if directTask is not None:
        m['task'] = directTask
    if _in_bolt:
        if anchors is None:
            anchors = [ANCHOR_TUPLE] if ANCHOR_TUPLE is not None else []
        m['anchors'] = [a.id if isinstance(a, Tuple) else a for a in anchors]
    elif id is not None:
        m['id'] = id
    if not need_task_ids:
        m['need_task_ids'] = False
    sendMsgToParent(m)


def emit(tup, stream=None, anchors=None, directTask=None, id=None, need_task_ids=True):
    """Emits and returns the task ids the tuple went to (None when direct or not asked for)."""
    _emit(tup, stream=stream, anchors=anchors, directTask=directTask, id=id, need_task_ids=need_task_ids)
    if directTask is None and need_task_ids:
        return readTaskIds()
    return None


def emitDirect(task, tup, stream=None, anchors=None, id=None):
    _emit(tup, stream=stream, anchors=anchors, directTask=task, id=id)


def ack(tup):
    sendMsgToParent({'command': 'ack', 'id': tup.id})


def fail(tup):
    sendMsgToParent({'command': 'fail', 'id': tup.id})


def reportError(msg):
    sendMsgToParent({'command': 'error', 'msg': msg})


def log(msg, level=2):
    sendMsgToParent({'command': 'log', 'msg': msg, 'level': level})


def logTrace(msg):
    log(msg, 0)


def logDebug(msg):
    log(msg, 1)


def logInfo(msg):
    log(msg, 2)


def logWarn(msg):
    log(msg, 3)


def logError(msg):
    log(msg, 4)


def rpcMetrics(name, params):
    sendMsgToParent({'command': 'metrics', 'name': name, 'params': params})


def initComponent():
    setup = readMsg()
    pid_dir = setup['pidDir']
    pid = os.getpid()
    sendMsgToParent({'pid': pid})
    open(os.path.join(pid_dir, str(pid)), 'w').close()
    return [setup['conf'], setup['context']]


class Bolt(object):
    def initialize(self, stormconf, context):
        pass

    def process(self, tuple):
        pass

    def run(self):
        global MODE, _in_bolt
        MODE, _in_bolt = 'bolt', True
        conf, context = initComponent()
        try:
            self.initialize(conf, context)
            while True:
                tup = readTuple()
                if tup.is_heartbeat_tuple():
                    sync()
                else:
                    self.process(tup)
        except EOFError:
            _flush()
        except Exception:
            reportError(traceback.format_exc())
            _flush()
            raise


class BasicBolt(object):
    """Anchors every emit to the current tuple, acks it after process, fails it on an exception."""

    def initialize(self, stormconf, context):
        pass

    def process(self, tuple):
        pass

    def run(self):
        global MODE, _in_bolt, ANCHOR_TUPLE
        MODE, _in_bolt = 'bolt', True
        conf, context = initComponent()
        try:
            self.initialize(conf, context)
        except Exception:
            reportError(traceback.format_exc())
            _flush()
            raise
        try:
            while True:
                tup = readTuple()
                if tup.is_heartbeat_tuple():
                    sync()
                    continue
                ANCHOR_TUPLE = tup
                try:
                    self.process(tup)
                    ack(tup)
                except EOFError:
                    raise
                except Exception:
                    reportError(traceback.format_exc())
                    fail(tup)
        except EOFError:
            _flush()


class Spout(object):
    def initialize(self, conf, context):
        pass

    def ack(self, id):
        pass

    def fail(self, id):
        pass

    def nextTuple(self):
        pass

    def activate(self):
        pass

    def deactivate(self):
        pass

    def run(self):
        global MODE, _in_bolt
        MODE, _in_bolt = 'spout', False
        conf, context = initComponent()
        try:
            self.initialize(conf, context)
            while True:
                msg = readCommand()
                command = msg['command']
                if command == 'next':
                    self.nextTuple()
                elif command == 'ack':
                    self.ack(msg['id'])
                elif command == 'fail':
                    self.fail(msg['id'])
                elif command == 'activate':
                    self.activate()
                elif command == 'deactivate':
                    self.deactivate()
                sync()
        except EOFError:
            _flush()
        except Exception:
            reportError(traceback.format_exc())
            _flush()
            raise
