// Preloaded into Node multilang subprocesses (NODE_OPTIONS=--require): when a script's
// `require('./storm')` finds no storm.js next to it, stormshift's adapter answers instead.
'use strict';
const Module = require('module');
const path = require('path');

const ADAPTER = path.join(__dirname, 'storm.cjs');
const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, parent, ...rest) {
  try {
    return resolve.call(this, request, parent, ...rest);
  } catch (error) {
    if (request === './storm' || request === './storm.js') return ADAPTER;
    throw error;
  }
};
