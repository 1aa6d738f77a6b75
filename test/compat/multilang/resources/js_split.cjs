// A storm.js-style BasicBolt: emits anchored with anchorTupleId, done() acks, done(err) fails.
'use strict';
const storm = require('./storm');

function SplitBolt() {
  storm.BasicBolt.call(this);
}
SplitBolt.prototype = Object.create(storm.BasicBolt.prototype);
SplitBolt.prototype.constructor = SplitBolt;
SplitBolt.prototype.process = function (tup, done) {
  if (tup.values[0] === 'n4 x4') return done(new Error('refusing n4'));
  const words = tup.values[0].split(' ');
  let pending = words.length;
  for (const w of words) {
    this.emit({ tuple: [w], anchorTupleId: tup.id }, () => {
      if (--pending === 0) done();
    });
  }
};
new SplitBolt().run();
