/**
 * `network create/ls/inspect/rm`, as the docker CLI sends them: one create body for every
 * driver (the daemon decides between a local bridge and a swarm overlay network), names
 * resolved by the daemon.
 */
import type { Command } from 'commander';
import type { ApiClient } from '../api-client';
import { formatTemplate, table } from '../format';
import { toLabels } from '../service-flag-parsers';

type ClientFn = () => ApiClient;
const collect = (v: string, prev: string[] = []) => [...prev, v];

interface NetworkResource {
  Id: string;
  Name: string;
  Driver: string;
  Scope: string;
}

export interface NetworkCreateOptions {
  driver?: string;
  subnet?: string;
  gateway?: string;
  attachable?: boolean;
  internal?: boolean;
  ingress?: boolean;
  label?: string[];
  opt?: string[];
}

/** The body of `POST /networks/create` for `network create [flags] NAME` (docker CLI 28's shape). */
export function networkCreateBody(name: string, o: NetworkCreateOptions): Record<string, unknown> {
  if (o.gateway && !o.subnet) throw new Error('every ip-range or gateway must have a corresponding subnet');
  const config = o.subnet ? [{ Subnet: o.subnet, ...(o.gateway ? { Gateway: o.gateway } : {}) }] : [];
  return {
    Name: name,
    Driver: o.driver ?? 'bridge',
    Scope: '',
    IPAM: { Driver: 'default', Options: {}, Config: config },
    Internal: !!o.internal,
    Attachable: !!o.attachable,
    Ingress: !!o.ingress,
    ConfigOnly: false,
    ConfigFrom: null,
    Options: toLabels(o.opt),
    Labels: toLabels(o.label),
  };
}

/** `-f key=value` flags as the API's filters map. */
function filtersOf(flags: string[] | undefined): Record<string, string> {
  const m: Record<string, Record<string, boolean>> = {};
  for (const f of flags ?? []) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new Error(`bad format of filter (expected name=value)`);
    (m[f.slice(0, eq)] ??= {})[f.slice(eq + 1)] = true;
  }
  return Object.keys(m).length ? { filters: JSON.stringify(m) } : {};
}

export function registerNetworkCommands(program: Command, client: ClientFn): void {
  const cmd = program.command('network').description('Manage networks');
  cmd
    .command('create <name>')
    .description('Create a network')
    .option('-d, --driver <driver>', 'Driver to manage the Network', 'bridge')
    .option('--subnet <subnet>', 'Subnet in CIDR format that represents a network segment')
    .option('--gateway <gateway>', 'IPv4 Gateway for the master subnet')
    .option('--attachable', 'Enable manual container attachment')
    .option('--internal', 'Restrict external access to the network')
    .option('--ingress', 'Create swarm routing-mesh network')
    .option('--label <label>', 'Set metadata on a network', collect)
    .option('-o, --opt <opt>', 'Set driver specific options', collect)
    .action(async (name: string, o: NetworkCreateOptions) => {
      const r = await client().json<{ Id: string }>('POST', '/networks/create', { body: networkCreateBody(name, o) });
      process.stdout.write(`${r.Id}\n`);
    });
  cmd
    .command('ls')
    .alias('list')
    .description('List networks')
    .option('-f, --filter <filter>', 'Provide filter values (e.g. "driver=bridge")', collect)
    .option('-q, --quiet', 'Only display network IDs')
    .option('--no-trunc', 'Do not truncate the output')
    .option('--format <template>', 'Format output using a template')
    .action(async (o: { filter?: string[]; quiet?: boolean; trunc?: boolean; format?: string }) => {
      const list = await client().json<NetworkResource[]>('GET', '/networks', { query: filtersOf(o.filter) });
      const sorted = [...list].sort((a, b) => a.Name.localeCompare(b.Name));
      const id = (n: NetworkResource) => (o.trunc === false ? n.Id : n.Id.slice(0, 12));
      if (o.quiet) return void process.stdout.write(sorted.map((n) => id(n) + '\n').join(''));
      if (o.format) {
        for (const n of sorted)
          process.stdout.write(formatTemplate(o.format, n as unknown as Record<string, unknown>) + '\n');
        return;
      }
      process.stdout.write(
        table(
          ['NETWORK ID', 'NAME', 'DRIVER', 'SCOPE'],
          sorted.map((n) => [id(n), n.Name, n.Driver, n.Scope]),
        ),
      );
    });
  cmd
    .command('inspect <network...>')
    .description('Display detailed information on one or more networks')
    .option('-f, --format <template>', 'Format output using a template')
    .action(async (refs: string[], o: { format?: string }) => {
      const out: NetworkResource[] = [];
      for (const r of refs) out.push(await client().json<NetworkResource>('GET', `/networks/${encodeURIComponent(r)}`));
      if (o.format)
        for (const n of out)
          process.stdout.write(formatTemplate(o.format, n as unknown as Record<string, unknown>) + '\n');
      else process.stdout.write(JSON.stringify(out, null, 4) + '\n');
    });
  cmd
    .command('rm <network...>')
    .alias('remove')
    .description('Remove one or more networks')
    .action(async (refs: string[]) => {
      for (const r of refs) {
        await client().json('DELETE', `/networks/${encodeURIComponent(r)}`);
        process.stdout.write(`${r}\n`);
      }
    });
}
