import type { Command } from 'commander';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import type { ApiClient } from '../api-client';
import { ContextStore, resolveEndpoint, type GlobalOptions } from '../context-store';
import { formatTemplate, table } from '../format';

type ClientFn = () => ApiClient;
const collect = (v: string, prev: string[] = []) => [...prev, v];

function cliVersion(): string {
  try {
    let dir = __dirname;
    while (!existsSync(path.join(dir, 'package.json'))) dir = path.dirname(dir);
    return JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')).version;
  } catch {
    return 'unknown';
  }
}

/** version, info, events, network, context. */
export function registerSystemCommands(program: Command, client: ClientFn, globals: () => GlobalOptions): void {
  program
    .command('version')
    .description('Show the client and daemon versions')
    .option('-f, --format <template>', 'Format the output (json or a template)')
    .action(async (o: { format?: string }) => {
      const client_ = {
        Version: cliVersion(),
        ApiVersion: '1.44',
        Os: process.platform,
        Arch: process.arch === 'x64' ? 'amd64' : process.arch,
        NodeVersion: process.version,
      };
      let server: Record<string, unknown> | undefined;
      let err: Error | undefined;
      try {
        server = await client().json('GET', '/version');
      } catch (e) {
        err = e as Error;
      }
      if (o.format) {
        process.stdout.write(formatTemplate(o.format, { Client: client_, Server: server }) + '\n');
      } else {
        process.stdout.write(
          `Client:\n Version:           ${client_.Version}\n API version:       ${client_.ApiVersion}\n Node version:      ${client_.NodeVersion}\n OS/Arch:           ${client_.Os}/${client_.Arch}\n Context:           ${new ContextStore().current()}\n`,
        );
        if (server) {
          process.stdout.write(
            `\nServer: tsswarm\n Engine:\n  Version:          ${server.Version}\n  API version:      ${server.ApiVersion} (minimum version ${server.MinAPIVersion})\n  OS/Arch:          ${server.Os}/${server.Arch}\n  Kernel:           ${server.KernelVersion}\n`,
          );
          for (const c of (server.Components as Array<{ Name: string; Version: string }>) ?? [])
            if (c.Name !== 'Engine') process.stdout.write(` ${c.Name}:\n  Version:          ${c.Version}\n`);
        }
      }
      if (err) throw err;
    });
  program
    .command('info')
    .description('Display system-wide information')
    .option('-f, --format <template>', 'Format the output (json or a template)')
    .action(async (o: { format?: string }) => {
      const i = await client().json<Record<string, unknown>>('GET', '/info');
      if (o.format) {
        process.stdout.write(formatTemplate(o.format, i) + '\n');
        return;
      }
      const swarm = i.Swarm as { LocalNodeState?: string } | undefined;
      process.stdout.write(
        [
          'Server:',
          ` Containers: ${i.Containers}`,
          `  Running: ${i.ContainersRunning}`,
          `  Paused: ${i.ContainersPaused}`,
          `  Stopped: ${i.ContainersStopped}`,
          ` Images: ${i.Images}`,
          ` Server Version: ${i.ServerVersion}`,
          ` Storage Driver: ${i.Driver}`,
          ` Logging Driver: ${i.LoggingDriver}`,
          ` Cgroup Driver: ${i.CgroupDriver}`,
          ` Cgroup Version: ${i.CgroupVersion}`,
          ` Swarm: ${swarm?.LocalNodeState ?? 'inactive'}`,
          ` Default Runtime: ${i.DefaultRuntime}`,
          ` Kernel Version: ${i.KernelVersion}`,
          ` Operating System: ${i.OperatingSystem}`,
          ` OSType: ${i.OSType}`,
          ` Architecture: ${i.Architecture}`,
          ` CPUs: ${i.NCPU}`,
          ` Total Memory: ${(Number(i.MemTotal) / 2 ** 30).toFixed(2)}GiB`,
          ` Name: ${i.Name}`,
          ` Docker Root Dir: ${i.DockerRootDir}`,
          ` Live Restore Enabled: ${i.LiveRestoreEnabled}`,
          '',
        ].join('\n'),
      );
    });
  program
    .command('events')
    .description('Get real time events from the daemon')
    .option('--since <time>', 'Show events created since timestamp')
    .option('--until <time>', 'Stream events until this timestamp')
    .option('-f, --filter <key=value>', 'Filter output', collect, [])
    .option('--format <template>', 'Format the output (json or a template)')
    .action(async (o: { since?: string; until?: string; filter: string[]; format?: string }) => {
      const filters: Record<string, Record<string, boolean>> = {};
      for (const f of o.filter) {
        const i = f.indexOf('=');
        (filters[f.slice(0, i)] ??= {})[f.slice(i + 1)] = true;
      }
      await client().jsonLines(
        'GET',
        '/events',
        { query: { since: o.since, until: o.until, filters: JSON.stringify(filters) } },
        (e) => {
          if (o.format) {
            process.stdout.write(formatTemplate(o.format, e) + '\n');
            return;
          }
          const actor = e.Actor as { ID: string; Attributes: Record<string, string> };
          const attrs = Object.entries(actor.Attributes ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(', ');
          process.stdout.write(
            `${new Date(Number(e.timeNano) / 1e6).toISOString()} ${e.Type} ${e.Action} ${actor.ID}${attrs ? ` (${attrs})` : ''}\n`,
          );
        },
      );
    });

  const context = program.command('context').description('Manage contexts (named daemon endpoints)');
  context
    .command('create')
    .description('Create a context')
    .argument('<name>')
    .option('--description <text>', 'Description of the context')
    .option(
      '--docker <spec>',
      'Endpoint: host=unix:///path|tcp://host:port[,ca=FILE,cert=FILE,key=FILE,skip-tls-verify=BOOL]',
    )
    .action((name: string, o: { description?: string; docker?: string }) => {
      const spec = Object.fromEntries(
        (o.docker ?? '')
          .split(',')
          .filter(Boolean)
          .map((kv) => [kv.split('=')[0], kv.slice(kv.indexOf('=') + 1)]),
      );
      const endpoint = spec.host
        ? {
            host: spec.host,
            tls:
              spec.ca || spec.cert
                ? { ca: spec.ca, cert: spec.cert, key: spec.key, verify: spec['skip-tls-verify'] !== 'true' }
                : undefined,
          }
        : resolveEndpoint(globals());
      new ContextStore().create({ Name: name, Description: o.description, Endpoint: endpoint });
      process.stdout.write(`${name}\nSuccessfully created context "${name}"\n`);
    });
  context
    .command('ls')
    .description('List contexts')
    .action(() => {
      const store = new ContextStore();
      const cur = store.current();
      const rows = [
        ['default', 'Current tsswarm daemon on the default socket', 'unix:///run/tsswarm/tsswarm.sock'],
        ...store.list().map((c) => [c.Name, c.Description ?? '', c.Endpoint.host]),
      ];
      process.stdout.write(
        table(
          ['NAME', 'DESCRIPTION', 'DOCKER ENDPOINT'],
          rows.map((r) => [r[0] === cur ? `${r[0]} *` : r[0], r[1], r[2]]),
        ),
      );
    });
  context
    .command('inspect')
    .description('Display detailed information on contexts')
    .argument('[name...]')
    .action((names: string[]) => {
      const store = new ContextStore();
      const list = (names.length ? names : [store.current()]).map((n) =>
        n === 'default' ? { Name: 'default', Endpoint: { host: 'unix:///run/tsswarm/tsswarm.sock' } } : store.get(n),
      );
      process.stdout.write(JSON.stringify(list, null, 4) + '\n');
    });
  context
    .command('use')
    .description('Set the current context')
    .argument('<name>')
    .action((name: string) => {
      new ContextStore().use(name);
      process.stdout.write(`${name}\nCurrent context is now "${name}"\n`);
    });
  context
    .command('rm')
    .description('Remove one or more contexts')
    .argument('<name...>')
    .action((names: string[]) => {
      for (const n of names) {
        new ContextStore().remove(n);
        process.stdout.write(`${n}\n`);
      }
    });
}
