// stormshift's multilang adapter for Node (CommonJS), written from Storm's multilang protocol
// document, with the API of Storm's storm.js: BasicBolt (process(tuple, done); emit(details,
// onTaskIds) with anchorTupleId; ack/fail), Spout (nextTuple/ack/fail/activate/deactivate with a
// done callback that sends sync), Tuple (isTickTuple, isHeartbeatTuple), log*, sync, emitDirect.
// Scripts get it from `require('./storm')` when resources/ ships no storm.js (see storm-resolve.cjs).
'use strict';
const fs = require('fs');
const path = require('path');

function Storm() {
  this.lines = [];
  this.partial = '';
  this.taskIdCallbacks = [];
  this.isFirstMessage = true;
  this.separator = '\nend\n';
}

Storm.prototype.sendMsgToParent = function (msg) {
  process.stdout.write(JSON.stringify(msg) + this.separator);
};

Storm.prototype.sync = function () {
  this.sendMsgToParent({ command: 'sync' });
};

Storm.prototype.sendPid = function (pidDir) {
  const pid = process.pid;
  fs.closeSync(fs.openSync(path.join(pidDir, String(pid)), 'w'));
  this.sendMsgToParent({ pid: pid });
};

Storm.prototype.sendToLogging = function (args, level) {
  this.sendMsgToParent({ command: 'log', msg: Array.prototype.join.call(args, ' '), level: level });
};
Storm.prototype.logTrace = function () {
  this.sendToLogging(arguments, 0);
};
Storm.prototype.logDebug = function () {
  this.sendToLogging(arguments, 1);
};
Storm.prototype.logInfo = function () {
  this.sendToLogging(arguments, 2);
};
Storm.prototype.logWarn = function () {
  this.sendToLogging(arguments, 3);
};
Storm.prototype.logError = function () {
  this.sendToLogging(arguments, 4);
};
Storm.prototype.log = Storm.prototype.logInfo;

Storm.prototype.reportError = function (msg) {
  this.sendMsgToParent({ command: 'error', msg: String(msg) });
};

Storm.prototype.rpcMetrics = function (name, params) {
  this.sendMsgToParent({ command: 'metrics', name: name, params: params });
};

Storm.prototype.initialize = function (conf, context, done) {
  done();
};

Storm.prototype.run = function () {
  process.stdin.setEncoding('utf8');
  process.stdin.on('data', (chunk) => this.onChunk(chunk));
  process.stdin.on('end', () => process.exit(0));
};

Storm.prototype.onChunk = function (chunk) {
  const data = this.partial + chunk;
  let start = 0;
  for (;;) {
    const nl = data.indexOf('\n', start);
    if (nl < 0) break;
    let line = data.slice(start, nl);
    start = nl + 1;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    if (line === 'end') {
      const text = this.lines.join('\n');
      this.lines = [];
      this.onMessage(JSON.parse(text));
    } else {
      this.lines.push(line);
    }
  }
  this.partial = data.slice(start);
};

Storm.prototype.onMessage = function (msg) {
  if (this.isFirstMessage) {
    this.isFirstMessage = false;
    this.sendPid(msg.pidDir);
    this.initialize(msg.conf, msg.context, () => {});
    return;
  }
  if (Array.isArray(msg)) {
    // Task ids come back in emit order: the oldest waiting callback gets them.
    const cb = this.taskIdCallbacks.shift();
    if (cb) cb(msg);
    return;
  }
  this.handleNewCommand(msg);
};

/** Emits; `onTaskIds(taskIds)` is required and called with the tuple's target tasks. */
Storm.prototype.emit = function (details, onTaskIds) {
  if (typeof onTaskIds !== 'function')
    throw new Error('emit needs a callback for the task ids (use emitDirect for direct emits)');
  this.taskIdCallbacks.push(onTaskIds);
  this.__emit(details);
};

Storm.prototype.emitDirect = function (details) {
  if (details.task === undefined || details.task === null) throw new Error('emitDirect needs a task');
  this.__emit(details);
};

function Tuple(id, component, stream, task, values) {
  this.id = id;
  this.component = component;
  this.stream = stream;
  this.task = task;
  this.values = values;
}
Tuple.prototype.isTickTuple = function () {
  return this.task === -1 && this.stream === '__tick';
};
Tuple.prototype.isHeartbeatTuple = function () {
  return this.task === -1 && this.stream === '__heartbeat';
};

function BasicBolt() {
  Storm.call(this);
}
BasicBolt.prototype = Object.create(Storm.prototype);
BasicBolt.prototype.constructor = BasicBolt;

/** Not anchored unless `anchorTupleId` is given (as storm.js). */
BasicBolt.prototype.__emit = function (details) {
  const msg = { command: 'emit', tuple: details.tuple };
  if (details.anchorTupleId !== undefined && details.anchorTupleId !== null) msg.anchors = [details.anchorTupleId];
  if (details.stream !== undefined && details.stream !== null) msg.stream = details.stream;
  if (details.task !== undefined && details.task !== null) msg.task = details.task;
  this.sendMsgToParent(msg);
};

BasicBolt.prototype.handleNewCommand = function (command) {
  const tup = new Tuple(command.id, command.comp, command.stream, command.task, command.tuple);
  if (tup.isHeartbeatTuple()) {
    this.sync();
    return;
  }
  this.process(tup, (err) => {
    if (err) this.fail(tup, err);
    else this.ack(tup);
  });
};

BasicBolt.prototype.process = function (_tuple, done) {
  done();
};
BasicBolt.prototype.ack = function (tup) {
  this.sendMsgToParent({ command: 'ack', id: tup.id });
};
BasicBolt.prototype.fail = function (tup, err) {
  if (err) this.logError(String(err && err.stack ? err.stack : err));
  this.sendMsgToParent({ command: 'fail', id: tup.id });
};

function Spout() {
  Storm.call(this);
}
Spout.prototype = Object.create(Storm.prototype);
Spout.prototype.constructor = Spout;

Spout.prototype.activate = function (done) {
  done();
};
Spout.prototype.deactivate = function (done) {
  done();
};
Spout.prototype.ack = function (_id, done) {
  done();
};
Spout.prototype.fail = function (_id, done) {
  done();
};
Spout.prototype.nextTuple = function (done) {
  done();
};

Spout.prototype.handleNewCommand = function (command) {
  const done = () => this.sync();
  switch (command.command) {
    case 'next':
      return this.nextTuple(done);
    case 'ack':
      return this.ack(command.id, done);
    case 'fail':
      return this.fail(command.id, done);
    case 'activate':
      return this.activate(done);
    case 'deactivate':
      return this.deactivate(done);
    default:
      return done();
  }
};

Spout.prototype.__emit = function (details) {
  const msg = { command: 'emit', tuple: details.tuple };
  if (details.id !== undefined && details.id !== null) msg.id = details.id;
  if (details.stream !== undefined && details.stream !== null) msg.stream = details.stream;
  if (details.task !== undefined && details.task !== null) msg.task = details.task;
  this.sendMsgToParent(msg);
};

module.exports.Storm = Storm;
module.exports.BasicBolt = BasicBolt;
module.exports.Spout = Spout;
module.exports.Tuple = Tuple;
