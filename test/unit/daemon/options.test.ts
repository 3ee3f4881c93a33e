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

  it("takes dockerd's layer concurrency flags, with dockerd's defaults", () => {
    assert.deepEqual([parse([]).maxConcurrentDownloads, parse([]).maxConcurrentUploads], [3, 5]);
    const o = parse(['--max-concurrent-downloads', '6', '--max-concurrent-uploads', '2']);
    assert.deepEqual([o.maxConcurrentDownloads, o.maxConcurrentUploads], [6, 2]);
    for (const bad of ['0', '-1', '2.5', 'many', ''])
      assert.throws(
        () => parse([`--max-concurrent-downloads=${bad}`]),
        (e: Error) =>
          e instanceof InvalidArgumentError && /--max-concurrent-downloads: want a whole number/.test(e.message),
      );
  });
});
