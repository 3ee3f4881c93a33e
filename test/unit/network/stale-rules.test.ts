import assert from 'node:assert/strict';
import { findContainerRules, splitRule } from '../../../worker/network/stale-rules';

describe('stale CNI rules', () => {
  it('finds the bridge plugin rules of one container in an iptables-save dump', () => {
    const id = 'b'.repeat(64);
    const dump = [
      '*nat',
      ':CNI-26c53b9b26f7d56b1d49588f - [0:0]',
      `-A POSTROUTING -s 10.204.0.3/32 -m comment --comment "name: \\"tswr\\" id: \\"${id}\\"" -j CNI-26c53b9b26f7d56b1d49588f`,
      `-A POSTROUTING -s 10.204.0.4/32 -m comment --comment "name: \\"tswr\\" id: \\"${'c'.repeat(64)}\\"" -j CNI-36c53b9b26f7d56b1d49588f`,
      `-A CNI-26c53b9b26f7d56b1d49588f ! -d 224.0.0.0/4 -m comment --comment "name: \\"tswr\\" id: \\"${id}\\"" -j MASQUERADE`,
      'COMMIT',
    ].join('\n');
    const r = findContainerRules(dump, 'tswr', id);
    assert.deepEqual(r.chains, ['CNI-26c53b9b26f7d56b1d49588f']);
    assert.equal(r.rules.length, 2);
    assert.deepEqual(r.rules[0].slice(0, 3), ['POSTROUTING', '-s', '10.204.0.3/32']);
    assert.equal(r.rules[0][6], `name: "tswr" id: "${id}"`);
    assert.deepEqual(splitRule('-A X -m comment --comment "a b" -j Y'), [
      '-A',
      'X',
      '-m',
      'comment',
      '--comment',
      'a b',
      '-j',
      'Y',
    ]);
  });
});
