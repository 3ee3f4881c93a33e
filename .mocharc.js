'use strict';
// Tests run from the compiled tree; tiers are folders (unit, sim, integration, cluster, e2e).
// Files named on the command line replace the default spec instead of adding to it, so that
// `mocha dist/test/unit/x.test.js` runs just that file.
const named = process.argv.slice(2).some((a) => !a.startsWith('-') && /\.js$|\*/.test(a));
module.exports = {
  spec: named ? [] : ['dist/test/**/*.test.js'],
  timeout: 60000,
  exit: true,
  require: ['dist/test/support/root-hooks.js'],
  'enable-source-maps': true,
};
