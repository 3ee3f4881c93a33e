import assert from 'node:assert/strict';
import {
  buildExecProcess,
  execStartFailureCode,
  parseDetachKeys,
  parseExecCreate,
  parseExecStart,
} from '../../../worker/engine/containers';

describe('exec logic', () => {
  it('validates the exec config once, naming the field', () => {
    assert.deepEqual(parseExecCreate({ Cmd: ['ls', '-l'] }).Cmd, ['ls', '-l']);
    assert.throws(() => parseExecCreate({}), /No exec command specified/);
    assert.throws(() => parseExecCreate({ Cmd: [] }), /No exec command specified/);
    assert.throws(() => parseExecCreate({ Cmd: 'ls' }), /Cmd/);
    assert.throws(() => parseExecCreate({ Cmd: ['ls'], Env: ['=x'] }), /Env\.0/);
    assert.throws(() => parseExecCreate({ Cmd: ['ls'], WorkingDir: 'tmp' }), /WorkingDir: must be an absolute path/);
    assert.throws(() => parseExecCreate({ Cmd: ['ls'], ConsoleSize: [1] }), /ConsoleSize/);
    assert.throws(() => parseExecStart({ Detach: 'yes' }), /Detach/);
    assert.equal(parseExecStart(undefined).Detach, undefined);
  });

  it("parses Docker's detach keys", () => {
    assert.deepEqual([...parseDetachKeys('ctrl-p,ctrl-q')], [16, 17]);
    assert.deepEqual([...parseDetachKeys('a,ctrl-@')], [97, 0]);
    assert.throws(() => parseDetachKeys('ctrl-1'), /Invalid detach keys/);
    assert.throws(() => parseDetachKeys('ab'), /Invalid detach keys/);
  });

  it("builds the exec process from the container's: env merged, cwd and user replaced", () => {
    const base = {
      args: ['sleep', '1'],
      env: ['PATH=/bin', 'HOSTNAME=abc', 'A=1'],
      cwd: '/srv',
      user: { uid: 1000, gid: 1000 },
      capabilities: { bounding: ['CAP_KILL'] },
      terminal: false,
    };
    const p = buildExecProcess(base, { args: ['sh'], env: ['A=2', 'B=3'], cwd: '', terminal: true, privileged: false });
    assert.deepEqual(p.args, ['sh']);
    assert.deepEqual(p.env, ['PATH=/bin', 'HOSTNAME=abc', 'A=2', 'B=3']);
    assert.equal(p.cwd, '/srv');
    assert.deepEqual(p.user, { uid: 1000, gid: 1000 });
    assert.equal(p.terminal, true);
    const q = buildExecProcess(base, {
      args: ['id'],
      env: [],
      cwd: '/tmp',
      user: { uid: 0, gid: 0, additionalGids: [] },
      terminal: false,
      privileged: true,
    });
    assert.equal(q.cwd, '/tmp');
    assert.deepEqual(q.user, { uid: 0, gid: 0, additionalGids: undefined });
    assert.ok((q.capabilities as { bounding: string[] }).bounding.includes('CAP_SYS_ADMIN'));
    assert.deepEqual(base.args, ['sleep', '1'], 'the base is not changed');
  });

  it('gives a command that cannot start the exit code Docker gives', () => {
    assert.equal(execStartFailureCode('exec: "x": executable file not found in $PATH: unknown'), 127);
    assert.equal(execStartFailureCode('exec: "/x": stat /x: no such file or directory: unknown'), 127);
    assert.equal(execStartFailureCode('exec: "/etc": permission denied: unknown'), 126);
  });
});
