import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { processStartTime, signalInit } from '../../../worker/engine/containers/init-signal';

describe('signalling a container init by PID and start time', () => {
  it('signals the process that started at the recorded time', async () => {
    const child = spawn('sleep', ['30']);
    const start = processStartTime(child.pid!);
    assert.ok(start && /^\d+$/.test(start));
    const exited = once(child, 'exit');
    assert.equal(signalInit(child.pid!, start, 15), true);
    const [, signal] = await exited;
    assert.equal(signal, 'SIGTERM');
  });

  it('sends nothing when the start time differs (the PID was handed out again) or the process is gone', async () => {
    const child = spawn('sleep', ['30']);
    const start = processStartTime(child.pid!)!;
    assert.equal(signalInit(child.pid!, String(Number(start) - 1), 15), false);
    assert.equal(signalInit(child.pid!, undefined, 15), false);
    assert.equal(child.exitCode, null);
    child.kill('SIGKILL');
    await once(child, 'exit');
    assert.equal(processStartTime(child.pid!), undefined);
    assert.equal(signalInit(child.pid!, start, 15), false);
  });
});
