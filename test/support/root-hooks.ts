/**
 * Mocha root hooks for every tier. After the last test, any process the suite started and did not
 * stop (a child of a test that failed midway, and that child's children) is named and killed by
 * PID: a leftover process would keep the run's output pipe, and so the run, open after mocha ends.
 */
import { fifoHelper } from '../../worker/engine/containers/fifo-helper';
import { closeNetnsHelper } from '../../worker/network/netns';
import { descendants, killAll } from './process-table';

export const mochaHooks = {
  async afterAll(): Promise<void> {
    // The process-wide helpers live as long as this process by design; they are not leftovers.
    fifoHelper.close();
    closeNetnsHelper();
    // Their SIGKILL takes effect a moment later: until then they still show in /proc.
    let left = running();
    for (let i = 0; i < 20 && left.length; i++) {
      await new Promise((res) => setTimeout(res, 25));
      left = running();
    }
    for (const p of left) console.warn(`still running after the last test, killed: ${p.pid} ${p.cmd.slice(0, 200)}`);
    killAll(left);
  },
};

const running = () => descendants(process.pid).filter((p) => p.state !== 'Z');
