import type { Command } from 'commander';
import type { ApiClient } from '../api-client';

type ClientFn = () => ApiClient;
type Swarm = {
  ID: string;
  Version: { Index: number };
  Spec: Record<string, any>;
  JoinTokens: { Worker: string; Manager: string };
};
type Info = { Swarm: { NodeID: string; ControlAvailable: boolean } };
type Node = { ManagerStatus?: { Addr: string } };

const DURATION_NS: Record<string, number> = { ns: 1, us: 1e3, µs: 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** Go duration text (5s, 1m30s, 2h) in nanoseconds. */
export function parseDuration(text: string): number {
  let total = 0;
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/g;
  let m: RegExpExecArray | null;
  let consumed = 0;
  while ((m = re.exec(text))) {
    total += Number(m[1]) * DURATION_NS[m[2]!]!;
    consumed += m[0].length;
  }
  if (consumed !== text.length || consumed === 0) throw new Error(`invalid duration "${text}"`);
  return Math.round(total);
}

async function printJoinCommand(client: ApiClient, role: 'worker' | 'manager', quiet: boolean): Promise<void> {
  const swarm = await client.json<Swarm>('GET', '/swarm');
  const token = role === 'worker' ? swarm.JoinTokens.Worker : swarm.JoinTokens.Manager;
  if (quiet) {
    process.stdout.write(`${token}\n`);
    return;
  }
  const info = await client.json<Info>('GET', '/info');
  const node = await client.json<Node>('GET', `/nodes/${info.Swarm.NodeID}`);
  process.stdout.write(
    `To add a ${role} to this swarm, run the following command:\n\n    docker swarm join --token ${token} ${node.ManagerStatus?.Addr ?? ''}\n\n`,
  );
}

interface SpecFlags {
  taskHistoryLimit?: string;
  dispatcherHeartbeat?: string;
  certExpiry?: string;
  snapshotInterval?: string;
}

function specFromFlags(o: SpecFlags): Record<string, unknown> {
  const spec: Record<string, Record<string, number>> = {};
  if (o.taskHistoryLimit !== undefined) spec.Orchestration = { TaskHistoryRetentionLimit: Number(o.taskHistoryLimit) };
  if (o.dispatcherHeartbeat !== undefined) spec.Dispatcher = { HeartbeatPeriod: parseDuration(o.dispatcherHeartbeat) };
  if (o.certExpiry !== undefined) spec.CAConfig = { NodeCertExpiry: parseDuration(o.certExpiry) };
  if (o.snapshotInterval !== undefined) spec.Raft = { SnapshotInterval: Number(o.snapshotInterval) };
  return spec;
}

function specOptions(c: Command): Command {
  return c
    .option('--task-history-limit <n>', 'Task history retention limit')
    .option('--dispatcher-heartbeat <duration>', 'Dispatcher heartbeat period (ns|us|ms|s|m|h)')
    .option('--cert-expiry <duration>', 'Validity period for node certificates (ns|us|ms|s|m|h)')
    .option('--snapshot-interval <n>', 'Number of log entries between Raft snapshots');
}

/** swarm init, join, join-token, leave, update. */
export function registerSwarmCommands(program: Command, client: ClientFn): void {
  const swarm = program.command('swarm').description('Manage Swarm');
  specOptions(
    swarm
      .command('init')
      .description('Initialize a swarm')
      .option('--advertise-addr <addr>', 'Advertised address (format: "<ip|interface>[:port]")')
      .option('--listen-addr <addr>', 'Listen address (format: "<ip|interface>[:port]")', '0.0.0.0:2377')
      .option('--availability <availability>', 'Availability of the node ("active", "pause", "drain")', 'active')
      .option('--force-new-cluster', 'Force create a new cluster from current state'),
  ).action(
    async (
      o: SpecFlags & { advertiseAddr?: string; listenAddr: string; availability: string; forceNewCluster?: boolean },
    ) => {
      const c = client();
      const id = await c.json<string>('POST', '/swarm/init', {
        body: {
          ListenAddr: o.listenAddr,
          AdvertiseAddr: o.advertiseAddr ?? '',
          ForceNewCluster: !!o.forceNewCluster,
          Spec: specFromFlags(o),
          Availability: o.availability,
        },
      });
      process.stdout.write(`Swarm initialized: current node (${id}) is now a manager.\n\n`);
      await printJoinCommand(c, 'worker', false);
      process.stdout.write(
        "To add a manager to this swarm, run 'docker swarm join-token manager' and follow the instructions.\n\n",
      );
    },
  );
  swarm
    .command('join <host:port>')
    .description('Join a swarm as a node and/or manager')
    .requiredOption('--token <token>', 'Token for entry into the swarm')
    .option('--advertise-addr <addr>', 'Advertised address (format: "<ip|interface>[:port]")')
    .option('--listen-addr <addr>', 'Listen address (format: "<ip|interface>[:port]")', '0.0.0.0:2377')
    .option('--availability <availability>', 'Availability of the node ("active", "pause", "drain")', 'active')
    .action(
      async (
        remote: string,
        o: { token: string; advertiseAddr?: string; listenAddr: string; availability: string },
      ) => {
        const c = client();
        await c.json('POST', '/swarm/join', {
          body: {
            ListenAddr: o.listenAddr,
            AdvertiseAddr: o.advertiseAddr ?? '',
            RemoteAddrs: [remote],
            JoinToken: o.token,
            Availability: o.availability,
          },
        });
        const info = await c.json<Info>('GET', '/info');
        process.stdout.write(`This node joined a swarm as a ${info.Swarm.ControlAvailable ? 'manager' : 'worker'}.\n`);
      },
    );
  swarm
    .command('join-token <worker|manager>')
    .description('Manage join tokens')
    .option('-q, --quiet', 'Only display token')
    .option('--rotate', 'Rotate join token')
    .action(async (role: string, o: { quiet?: boolean; rotate?: boolean }) => {
      if (role !== 'worker' && role !== 'manager') throw new Error('unknown role ' + role);
      const c = client();
      if (o.rotate) {
        const s = await c.json<Swarm>('GET', '/swarm');
        await c.json('POST', '/swarm/update', {
          query: {
            version: s.Version.Index,
            rotateWorkerToken: role === 'worker',
            rotateManagerToken: role === 'manager',
            rotateManagerUnlockKey: false,
          },
          body: s.Spec,
        });
        if (!o.quiet) process.stdout.write(`Successfully rotated ${role} join token.\n\n`);
      }
      await printJoinCommand(c, role, !!o.quiet);
    });
  swarm
    .command('leave')
    .description('Leave the swarm')
    .option('-f, --force', 'Force this node to leave the swarm, ignoring warnings')
    .action(async (o: { force?: boolean }) => {
      await client().json('POST', '/swarm/leave', { query: o.force ? { force: 1 } : {} });
      process.stdout.write('Node left the swarm.\n');
    });
  specOptions(swarm.command('update').description('Update the swarm')).action(async (o: SpecFlags) => {
    const c = client();
    const s = await c.json<Swarm>('GET', '/swarm');
    const patch = specFromFlags(o);
    const spec: Record<string, unknown> = { ...s.Spec };
    for (const [k, v] of Object.entries(patch)) spec[k] = { ...(s.Spec[k] ?? {}), ...(v as object) };
    await c.json('POST', '/swarm/update', {
      query: {
        version: s.Version.Index,
        rotateWorkerToken: false,
        rotateManagerToken: false,
        rotateManagerUnlockKey: false,
      },
      body: spec,
    });
    process.stdout.write('Swarm updated.\n');
  });
}
