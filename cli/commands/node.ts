import type { Command } from 'commander';
import type { ApiClient } from '../api-client';
import { formatTemplate, table } from '../format';

type ClientFn = () => ApiClient;
interface NodeJson {
  ID: string;
  Version: { Index: number };
  Spec: { Role: 'manager' | 'worker'; Availability: string; Labels?: Record<string, string>; Name?: string };
  Description?: { Hostname?: string; Engine?: { EngineVersion?: string } };
  Status: { State: string; Addr?: string };
  ManagerStatus?: { Leader?: boolean; Reachability: string; Addr: string };
}

const cap = (s: string) => (s ? s[0]!.toUpperCase() + s.slice(1) : s);
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The rows of `node ls`, docker's columns; `self` gets the `*`. */
export function nodeRows(nodes: NodeJson[], self: string): string[][] {
  return [...nodes]
    .sort(
      (a, b) =>
        (a.Description?.Hostname ?? '').localeCompare(b.Description?.Hostname ?? '') || a.ID.localeCompare(b.ID),
    )
    .map((n) => [
      n.ID === self ? `${n.ID} *` : n.ID,
      n.Description?.Hostname ?? '',
      cap(n.Status.State),
      cap(n.Spec.Availability),
      n.ManagerStatus ? (n.ManagerStatus.Leader ? 'Leader' : cap(n.ManagerStatus.Reachability)) : '',
      n.Description?.Engine?.EngineVersion ?? '',
    ]);
}

async function resolve(c: ApiClient, ref: string): Promise<NodeJson> {
  if (ref === 'self') {
    const info = await c.json<{ Swarm: { NodeID: string } }>('GET', '/info');
    ref = info.Swarm.NodeID;
  }
  return c.json<NodeJson>('GET', `/nodes/${encodeURIComponent(ref)}`);
}

async function setRole(c: ApiClient, ref: string, role: 'manager' | 'worker'): Promise<void> {
  const n = await resolve(c, ref);
  if (n.Spec.Role === role) {
    process.stdout.write(
      role === 'manager' ? `Node ${ref} is already a manager.\n` : `Node ${ref} is already a worker.\n`,
    );
    return;
  }
  await c.json('POST', `/nodes/${n.ID}/update`, {
    query: { version: n.Version.Index },
    body: { ...n.Spec, Role: role },
  });
  process.stdout.write(
    role === 'manager' ? `Node ${ref} promoted to a manager in the swarm.\n` : `Manager ${ref} demoted in the swarm.\n`,
  );
}

/** node ls, inspect, update, promote, demote, rm. */
export function registerNodeCommands(program: Command, client: ClientFn): void {
  const node = program.command('node').description('Manage Swarm nodes');
  node
    .command('ls')
    .alias('list')
    .description('List nodes in the swarm')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('-q, --quiet', 'Only display IDs')
    .option('--format <template>', 'Format output using a template')
    .action(async (o: { filter?: string[]; quiet?: boolean; format?: string }) => {
      const c = client();
      const filters: Record<string, Record<string, boolean>> = {};
      for (const f of o.filter ?? []) {
        const eq = f.indexOf('=');
        if (eq < 0) throw new Error(`bad format of filter (expected name=value)`);
        (filters[f.slice(0, eq)] ??= {})[f.slice(eq + 1)] = true;
      }
      const nodes = await c.json<NodeJson[]>('GET', '/nodes', {
        query: Object.keys(filters).length ? { filters: JSON.stringify(filters) } : {},
      });
      if (o.quiet) {
        process.stdout.write(nodes.map((n) => n.ID + '\n').join(''));
        return;
      }
      if (o.format) {
        for (const n of nodes)
          process.stdout.write(formatTemplate(o.format, n as unknown as Record<string, unknown>) + '\n');
        return;
      }
      const info = await c.json<{ Swarm: { NodeID: string } }>('GET', '/info');
      process.stdout.write(
        table(
          ['ID', 'HOSTNAME', 'STATUS', 'AVAILABILITY', 'MANAGER STATUS', 'ENGINE VERSION'],
          nodeRows(nodes, info.Swarm.NodeID),
        ),
      );
    });
  node
    .command('inspect <node...>')
    .description('Display detailed information on one or more nodes')
    .option('-f, --format <template>', 'Format output using a template')
    .action(async (refs: string[], o: { format?: string }) => {
      const c = client();
      const out: NodeJson[] = [];
      for (const r of refs) out.push(await resolve(c, r));
      if (o.format)
        for (const n of out)
          process.stdout.write(formatTemplate(o.format, n as unknown as Record<string, unknown>) + '\n');
      else process.stdout.write(JSON.stringify(out, null, 4) + '\n');
    });
  node
    .command('update <node>')
    .description('Update a node')
    .option('--availability <availability>', 'Availability of the node ("active", "pause", "drain")')
    .option('--role <role>', 'Role of the node ("worker", "manager")')
    .option('--label-add <key=value>', 'Add or update a node label', collect)
    .option('--label-rm <key>', 'Remove a node label if exists', collect)
    .action(
      async (ref: string, o: { availability?: string; role?: string; labelAdd?: string[]; labelRm?: string[] }) => {
        const c = client();
        const n = await resolve(c, ref);
        const labels = { ...(n.Spec.Labels ?? {}) };
        for (const l of o.labelAdd ?? []) {
          const eq = l.indexOf('=');
          labels[eq < 0 ? l : l.slice(0, eq)] = eq < 0 ? '' : l.slice(eq + 1);
        }
        for (const k of o.labelRm ?? []) delete labels[k];
        const spec = {
          ...n.Spec,
          Labels: labels,
          ...(o.availability ? { Availability: o.availability } : {}),
          ...(o.role ? { Role: o.role } : {}),
        };
        await c.json('POST', `/nodes/${n.ID}/update`, { query: { version: n.Version.Index }, body: spec });
        process.stdout.write(`${ref}\n`);
      },
    );
  node
    .command('promote <node...>')
    .description('Promote one or more nodes to manager in the swarm')
    .action(async (refs: string[]) => {
      for (const r of refs) await setRole(client(), r, 'manager');
    });
  node
    .command('demote <node...>')
    .description('Demote one or more nodes from manager in the swarm')
    .action(async (refs: string[]) => {
      for (const r of refs) await setRole(client(), r, 'worker');
    });
  node
    .command('rm <node...>')
    .alias('remove')
    .description('Remove one or more nodes from the swarm')
    .option('-f, --force', 'Force remove a node from the swarm')
    .action(async (refs: string[], o: { force?: boolean }) => {
      for (const r of refs) {
        await client().json('DELETE', `/nodes/${encodeURIComponent(r)}`, { query: o.force ? { force: 1 } : {} });
        process.stdout.write(`${r}\n`);
      }
    });
}
