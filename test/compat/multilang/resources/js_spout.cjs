// A storm.js-style spout: no storm.js in resources/, so require('./storm') gets stormshift's.
'use strict';
const storm = require('./storm');

function NumberSpout() {
  storm.Spout.call(this);
  this.next = 0;
  this.limit = 0;
}
NumberSpout.prototype = Object.create(storm.Spout.prototype);
NumberSpout.prototype.constructor = NumberSpout;
NumberSpout.prototype.initialize = function (conf, context, done) {
  this.limit = conf['test.numbers'];
  done();
};
NumberSpout.prototype.nextTuple = function (done) {
  if (this.next >= this.limit) return setTimeout(done, 5);
  const n = this.next++;
  this.emit({ tuple: ['n' + n + ' x' + n], id: n }, () => {});
  done();
};
NumberSpout.prototype.ack = function (id, done) {
  this.emit({ tuple: ['ack', id], stream: 'verdicts' }, () => {});
  done();
};
NumberSpout.prototype.fail = function (id, done) {
  this.emit({ tuple: ['fail', id], stream: 'verdicts' }, () => {});
  done();
};
new NumberSpout().run();
