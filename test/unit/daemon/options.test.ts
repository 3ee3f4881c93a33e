import assert from 'node:assert/strict';
import { InvalidArgumentError } from '../../../src/api';
import { parseDaemonArgs, type DaemonOptions } from '../../../worker/daemon/options';

const parse = (argv: string[]) => parseDaemonArgs(argv) as DaemonOptions;

describe('tsswarmd options', () => {
  it('puts default-mode containers on the bridge unless --default-network none', () => {
    assert.equal(parse([]).defaultNetwork, 'bridge');
    assert.equal(parse(['--default-network', 'none']).defaultNetwork, 'none');
    assert.equal(parse(['--default-network', 'bridge']).defaultNetwork, 'bridge');
  });

  it('refuses a --default-network other than bridge or none', () => {
    assert.throws(() => parse(['--default-network', 'host']), InvalidArgumentError);
  });
});
