/**
 * Runs a NetworkManager inside a network namespace that stands in for a whole host (started
 * with `ip netns exec HOST node nested-host-fixture.js ROOT BRIDGE SUBNET WWW`), with the
 * FORWARD policy set to DROP as dockerd leaves it. `ip netns exec` gives this process its own
 * mount namespace, so the sandbox's namespace file is only usable from here: this fixture runs
 * the container-side commands itself. Protocol, one line each way:
 *   out: the SandboxInfo JSON once the sandbox (port 80 published) serves WWW with busybox httpd
 *   in "get URL"  -> out {"ok": bool, "out": string} of a wget from inside the sandbox
 *   in "release"  -> out "done" after release and teardown
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { NetworkManager } from '../../../worker/network';
import { runChecked, runCommand } from '../../../worker/network/run-command';

async function main(): Promise<void> {
  const [root, bridgeName, subnet, www] = process.argv.slice(2);
  await runChecked('iptables', ['-w', '-P', 'FORWARD', 'DROP']);
  const m = new NetworkManager({ dataRoot: root, bridgeName, subnet });
  await m.start();
  const id = 'f'.repeat(64);
  const info = await m.createSandbox(id, { portBindings: { '80/tcp': [{ HostIp: '', HostPort: '' }] } });
  // Close our userland listener so that only the iptables path can answer.
  await m.stop();
  const httpd = spawn(
    'ip',
    ['netns', 'exec', `${bridgeName}-${id.slice(0, 12)}`, '/bin/busybox', 'httpd', '-f', '-p', '80', '-h', www],
    { stdio: 'ignore' },
  );
  try {
    process.stdout.write(JSON.stringify(info) + '\n');
    for await (const line of createInterface({ input: process.stdin })) {
      const [cmd, arg] = line.trim().split(' ');
      if (cmd === 'get') {
        const r = await runCommand(
          'ip',
          ['netns', 'exec', `${bridgeName}-${id.slice(0, 12)}`, '/bin/busybox', 'wget', '-q', '-O', '-', arg],
          { timeoutMs: 5000 },
        );
        process.stdout.write(JSON.stringify({ ok: r.code === 0, out: r.code === 0 ? r.stdout : r.stderr }) + '\n');
      } else if (cmd === 'release') {
        break;
      }
    }
  } finally {
    httpd.kill('SIGKILL');
    await m.start();
    await m.releaseSandbox(id);
    await m.teardown();
  }
  process.stdout.write('done\n');
}

main().catch((e: unknown) => {
  process.stderr.write(`${(e as Error).stack ?? String(e)}\n`);
  process.exit(1);
});
