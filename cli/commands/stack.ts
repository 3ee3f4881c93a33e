import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { ServiceObject } from '../../src/api';
import { DaemonError, type ApiClient } from '../api-client';
import { composeToStack, interpolate, NAMESPACE_LABEL } from '../compose-spec';
import { table } from '../format';
import { printServices, printTasks } from './service';

type ClientFn = () => ApiClient;
const nsFilter = (stack: string) => JSON.stringify({ label: { [`${NAMESPACE_LABEL}=${stack}`]: true } });

/** Creates the secret or config, or updates its labels when it exists (what docker does on redeploy). */
async function upsertData(
  c: ApiClient,
  kind: 'secrets' | 'configs',
  name: string,
  labels: Record<string, string>,
  data: Buffer,
) {
  const body = { Name: name, Labels: labels, Data: data.toString('base64') };
  try {
    const cur = await c.json<{ ID: string; Version: { Index: number } }>('GET', `/${kind}/${encodeURIComponent(name)}`);
    await c.json('POST', `/${kind}/${cur.ID}/update`, { query: { version: cur.Version.Index }, body });
  } catch (err) {
    if (!(err instanceof DaemonError) || err.status !== 404) throw err;
    process.stdout.write(`Creating ${kind === 'secrets' ? 'secret' : 'config'} ${name}\n`);
    await c.json('POST', `/${kind}/create`, { body });
  }
}

async function deploy(c: ApiClient, files: string[], stack: string): Promise<void> {
  const info = await c.json<{ Swarm?: { ControlAvailable?: boolean } }>('GET', '/info');
  if (!info.Swarm?.ControlAvailable)
    throw new Error(
      'this node is not a swarm manager. Use "docker swarm init" or "docker swarm join" to connect this node to swarm and try again',
    );
  const file = files[files.length - 1]!;
  const doc = interpolate(parseYaml(readFileSync(file === '-' ? 0 : file, 'utf8')), process.env) as Record<string, any>;
  const plan = composeToStack(doc, stack);
  const dir = file === '-' ? process.cwd() : path.dirname(path.resolve(file));

  const existing = await c.json<{ Name: string }[]>('GET', '/networks', { query: { filters: nsFilter(stack) } });
  for (const n of plan.networks) {
    if (n.external || existing.some((e) => e.Name === n.name)) continue;
    process.stdout.write(`Creating network ${n.name}\n`);
    await c.json('POST', '/networks/create', {
      body: { Name: n.name, Driver: n.driver, Scope: 'swarm', Attachable: !!n.attachable, Labels: n.labels },
    });
  }
  for (const [kind, list] of [
    ['secrets', plan.secrets],
    ['configs', plan.configs],
  ] as const)
    for (const s of list) {
      if (s.external) continue;
      if (!s.file) throw new Error(`${kind.slice(0, -1)} ${s.key}: only file: sources are supported`);
      await upsertData(c, kind, s.name, s.labels, readFileSync(path.resolve(dir, s.file)));
    }

  const current = await c.json<ServiceObject[]>('GET', '/services', { query: { filters: nsFilter(stack) } });
  for (const spec of plan.services) {
    const cur = current.find((s) => s.Spec.Name === spec.Name);
    if (cur) {
      process.stdout.write(`Updating service ${spec.Name} (id: ${cur.ID})\n`);
      await c.json('POST', `/services/${cur.ID}/update`, { query: { version: cur.Version.Index }, body: spec });
    } else {
      process.stdout.write(`Creating service ${spec.Name}\n`);
      await c.json('POST', '/services/create', { body: spec });
    }
  }
}

/** stack deploy, ls, ps, services, rm. */
export function registerStackCommands(program: Command, client: ClientFn): void {
  const stack = program.command('stack').description('Manage Swarm stacks');
  stack
    .command('deploy <stack>')
    .description('Deploy a new stack or update an existing stack')
    .requiredOption(
      '-c, --compose-file <file>',
      'Path to a Compose file, or "-" to read from stdin',
      (v: string, p: string[] = []) => [...p, v],
    )
    .action(async (name: string, o: { composeFile: string[] }) => deploy(client(), o.composeFile, name));
  stack
    .command('ls')
    .alias('list')
    .description('List stacks')
    .action(async () => {
      const services = await client().json<ServiceObject[]>('GET', '/services', {
        query: { filters: JSON.stringify({ label: { [NAMESPACE_LABEL]: true } }) },
      });
      const count = new Map<string, number>();
      for (const s of services) {
        const n = s.Spec.Labels?.[NAMESPACE_LABEL];
        if (n) count.set(n, (count.get(n) ?? 0) + 1);
      }
      const rows = [...count].sort(([a], [b]) => a.localeCompare(b)).map(([n, k]) => [n, String(k)]);
      process.stdout.write(table(['NAME', 'SERVICES'], rows));
    });
  stack
    .command('services <stack>')
    .description('List the services in the stack')
    .option('-q, --quiet', 'Only display IDs')
    .action(async (name: string, o: { quiet?: boolean }) =>
      printServices(client(), { label: [`${NAMESPACE_LABEL}=${name}`] }, o),
    );
  stack
    .command('ps <stack>')
    .description('List the tasks in the stack')
    .option('--no-trunc', 'Do not truncate output')
    .option('-q, --quiet', 'Only display task IDs')
    .action(async (name: string, o: { trunc?: boolean; quiet?: boolean }) =>
      printTasks(client(), { label: [`${NAMESPACE_LABEL}=${name}`] }, { noTrunc: o.trunc === false, quiet: o.quiet }),
    );
  stack
    .command('rm <stack...>')
    .alias('remove')
    .description('Remove one or more stacks')
    .action(async (names: string[]) => {
      const c = client();
      for (const name of names) {
        const q = { query: { filters: nsFilter(name) } };
        const services = await c.json<{ ID: string; Spec: { Name: string } }[]>('GET', '/services', q);
        const networks = await c.json<{ Id: string; Name: string }[]>('GET', '/networks', q);
        const secrets = await c.json<{ ID: string; Spec: { Name: string } }[]>('GET', '/secrets', q);
        const configs = await c.json<{ ID: string; Spec: { Name: string } }[]>('GET', '/configs', q);
        if (!services.length && !networks.length && !secrets.length && !configs.length) {
          process.stdout.write(`Nothing found in stack: ${name}\n`);
          continue;
        }
        for (const s of services) {
          process.stdout.write(`Removing service ${s.Spec.Name}\n`);
          await c.json('DELETE', `/services/${s.ID}`);
        }
        for (const s of secrets) {
          process.stdout.write(`Removing secret ${s.Spec.Name}\n`);
          await c.json('DELETE', `/secrets/${s.ID}`);
        }
        for (const s of configs) {
          process.stdout.write(`Removing config ${s.Spec.Name}\n`);
          await c.json('DELETE', `/configs/${s.ID}`);
        }
        for (const n of networks) {
          process.stdout.write(`Removing network ${n.Name}\n`);
          await c.json('DELETE', `/networks/${n.Id}`);
        }
      }
    });
}
