// A word counter speaking the multilang protocol directly (no adapter), written from Storm's
// protocol document: handshake, tuples, heartbeats answered with sync, emits that wait for their
// task ids, explicit anchors and acks.
'use strict';
const fs = require('node:fs');
const path = require('node:path');

let buf = '';
let lines = [];
const queue = [];
let waiting = null;
const counts = new Map();

function send(msg) {
  process.stdout.write(JSON.stringify(msg) + '\nend\n');
}

function onMessage(msg) {
  if (Array.isArray(msg)) {
    const w = waiting;
    waiting = null;
    w(msg);
    drain();
    return;
  }
  queue.push(msg);
  drain();
}

let setup = null;
function drain() {
  while (waiting === null && queue.length > 0) {
    const msg = queue.shift();
    if (setup === null) {
      setup = msg;
      fs.writeFileSync(path.join(msg.pidDir, String(process.pid)), '');
      send({ pid: process.pid });
      continue;
    }
    if (msg.stream === '__heartbeat') {
      send({ command: 'sync' });
      continue;
    }
    const word = msg.tuple[0];
    const n = (counts.get(word) || 0) + 1;
    counts.set(word, n);
    send({ command: 'emit', anchors: [msg.id], tuple: [word, n] });
    // The reply carries the task ids; the ack waits for it, as storm.js's emit callback would.
    waiting = (taskIds) => {
      if (!Array.isArray(taskIds)) throw new Error('expected task ids');
      send({ command: 'ack', id: msg.id });
    };
  }
}

process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  buf += chunk;
  let nl;
  while ((nl = buf.indexOf('\n')) >= 0) {
    const line = buf.slice(0, nl);
    buf = buf.slice(nl + 1);
    if (line === 'end') {
      const text = lines.join('\n');
      lines = [];
      onMessage(JSON.parse(text));
    } else {
      lines.push(line);
    }
  }
});
process.stdin.on('end', () => process.exit(0));
