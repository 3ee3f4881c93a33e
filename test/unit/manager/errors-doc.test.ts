import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { TsswarmError } from '../../../src/api';
import * as rpc from '../../../src/rpc';
import * as manager from '../../../manager';

describe('swarm and rpc errors', () => {
  const doc = readFileSync(path.join(__dirname, '../../../../docs/errors.md'), 'utf8');

  it('docs/errors.md lists every swarm and rpc error code', () => {
    for (const code of [...manager.SWARM_ERROR_CODES, ...rpc.RPC_ERROR_CODES])
      assert.ok(doc.includes(`\`${code}\``), `${code} is documented`);
  });

  it('every error class is a TsswarmError with a listed code and a 4xx/5xx status', () => {
    const samples = [
      new manager.NotInSwarmError(),
      new manager.WorkerNodeError(),
      new manager.AlreadyInSwarmError(),
      new manager.ManagerLeaveError('x'),
      new manager.InvalidJoinTokenError(),
      new manager.FailedPreconditionError('x'),
      new manager.NoLeaderError(),
      new rpc.RemoteCallError(400, 'x'),
      new rpc.PeerUnreachableError('127.0.0.1:1'),
    ];
    const codes: readonly string[] = [...manager.SWARM_ERROR_CODES, ...rpc.RPC_ERROR_CODES];
    assert.equal(samples.length, codes.length);
    for (const e of samples) {
      assert.ok(e instanceof TsswarmError);
      assert.ok(codes.includes(e.code), e.code);
      assert.ok(e.httpStatus >= 400 && e.httpStatus < 600);
    }
    assert.equal(new rpc.RemoteCallError(200, 'odd').httpStatus, 500);
  });
});
