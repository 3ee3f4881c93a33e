'use strict';
// Tests run from the compiled tree; tiers are folders (unit, sim, integration, cluster, e2e).
module.exports = {
  spec: ['dist/test/**/*.test.js'],
  timeout: 60000,
  exit: true,
  'enable-source-maps': true,
};
