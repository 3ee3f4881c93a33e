import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ApiClient, DaemonError, demux } from '../api-client';
import { formatTemplate, since, table, truncate } from '../format';
import { applyHealthFlags, healthOptions, type HealthFlags } from '../health-flags';
import { ProgressDisplay } from '../progress';
import { stdioSession } from '../stdio-session';
import { registerExecCommands } from './exec';

type ClientFn = () => ApiClient;
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** "8080:80", "127.0.0.1:8080:80/udp", "80" -> PortBindings and ExposedPorts. */
export function parsePublish(specs: string[]): {
  PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>>;
  ExposedPorts: Record<string, object>;
} {
  const PortBindings: Record<string, Array<{ HostIp: string; HostPort: string }>> = {};
  const ExposedPorts: Record<string, object> = {};
  for (const s of specs) {
    const [main, proto = 'tcp'] = s.split('/');
    const parts = main.split(':');
    const ctr = parts.pop()!;
    const hostPort = parts.pop() ?? '';
    const hostIp = parts.pop() ?? '';
    if (!/^\d+(-\d+)?$/.test(ctr)) throw new Error(`invalid port format for --publish: ${s}`);
    const key = `${ctr}/${proto}`;
    ExposedPorts[key] = {};
    (PortBindings[key] ??= []).push({ HostIp: hostIp, HostPort: hostPort });
  }
  return { PortBindings, ExposedPorts };
}

/** "512m", "1g", "100000" -> bytes. */
export function parseBytes(s: string): number {
  const m = /^(\d+(?:\.\d+)?)([bkmg]?)b?$/i.exec(s.trim());
  if (!m) throw new Error(`invalid size: '${s}'`);
  const mult = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[m[2].toLowerCase() as '' | 'b' | 'k' | 'm' | 'g'];
  return Math.round(Number(m[1]) * mult);
}

/** "no", "always", "on-failure:3", "unless-stopped" -> RestartPolicy. */
export function parseRestart(s: string): { Name: string; MaximumRetryCount: number } {
  const [name, n] = s.split(':');
  if (!['no', 'always', 'on-failure', 'unless-stopped'].includes(name)) throw new Error(`invalid restart policy: ${s}`);
  return { Name: name, MaximumRetryCount: n ? Number(n) : 0 };
}

export interface RunOpts extends HealthFlags {
  /** false with --no-healthcheck (commander's --no-x). */
  healthcheck?: boolean;
  detach?: boolean;
  rm?: boolean;
  interactive?: boolean;
  tty?: boolean;
  env: string[];
  publish: string[];
  volume: string[];
  label: string[];
  name?: string;
  network?: string;
  restart?: string;
  memory?: string;
  cpus?: string;
  pidsLimit?: string;
  entrypoint?: string;
  workdir?: string;
  user?: string;
  hostname?: string;
  privileged?: boolean;
  capAdd?: string[];
  capDrop?: string[];
  securityOpt?: string[];
}

/** --security-opt as the docker CLI sends it: a seccomp profile named by its file goes as its JSON. */
export function securityOptsOf(opts: readonly string[]): string[] {
  return opts.map((opt) => {
    const m = /^seccomp[=:](.*)$/s.exec(opt);
    if (!m || m[1] === 'unconfined' || m[1] === 'builtin') return opt;
    let text: string;
    try {
      text = readFileSync(m[1], 'utf8');
    } catch (err) {
      throw new Error(`opening seccomp profile (${m[1]}) failed: ${(err as Error).message}`);
    }
    try {
      return `seccomp=${JSON.stringify(JSON.parse(text))}`;
    } catch (err) {
      throw new Error(`compacting json for seccomp profile (${m[1]}) failed: ${(err as Error).message}`);
    }
  });
}

/** The body of POST /containers/create for `run` and `create` (exported for the tests). */
export function createBody(image: string, cmd: string[], o: RunOpts): Record<string, unknown> {
  const pub = parsePublish(o.publish);
  const labels = Object.fromEntries(
    o.label.map((l) => [l.split('=')[0], l.includes('=') ? l.slice(l.indexOf('=') + 1) : '']),
  );
  const health = applyHealthFlags(undefined, { ...o, noHealthcheck: o.healthcheck === false });
  return {
    Image: image,
    Cmd: cmd.length ? cmd : undefined,
    Entrypoint: o.entrypoint !== undefined ? (o.entrypoint ? [o.entrypoint] : []) : undefined,
    Env: o.env,
    WorkingDir: o.workdir,
    User: o.user,
    Hostname: o.hostname,
    Labels: labels,
    Tty: !!o.tty,
    OpenStdin: !!o.interactive,
    // As docker run: the one attached client's end of input is the container's.
    StdinOnce: !!o.interactive && !o.detach,
    AttachStdin: !!o.interactive && !o.detach,
    AttachStdout: !o.detach,
    AttachStderr: !o.detach,
    ExposedPorts: pub.ExposedPorts,
    ...(health ? { Healthcheck: health } : {}),
    HostConfig: {
      Binds: o.volume,
      PortBindings: pub.PortBindings,
      NetworkMode: o.network,
      RestartPolicy: o.restart ? parseRestart(o.restart) : undefined,
      AutoRemove: !!o.rm,
      Memory: o.memory ? parseBytes(o.memory) : undefined,
      NanoCpus: o.cpus ? Math.round(Number(o.cpus) * 1e9) : undefined,
      PidsLimit: o.pidsLimit ? Number(o.pidsLimit) : undefined,
      Privileged: !!o.privileged,
      CapAdd: o.capAdd?.length ? o.capAdd : undefined,
      CapDrop: o.capDrop?.length ? o.capDrop : undefined,
      SecurityOpt: o.securityOpt?.length ? securityOptsOf(o.securityOpt) : undefined,
    },
  };
}

async function pullImage(api: ApiClient, image: string): Promise<void> {
  process.stderr.write(`Unable to find image '${image}' locally\n`);
  const display = new ProgressDisplay(process.stderr);
  const at = image.lastIndexOf(':');
  const slash = image.lastIndexOf('/');
  const [from, tag] = at > slash ? [image.slice(0, at), image.slice(at + 1)] : [image, 'latest'];
  await api.jsonLines(
    'POST',
    '/images/create',
    { query: { fromImage: from, tag }, headers: { 'X-Registry-Auth': 'e30=' } },
    (m) => display.update(m),
  );
}

/** create, pulling the image first when the daemon says it has none (as docker run does). */
async function createContainer(api: ApiClient, body: Record<string, unknown>, name?: string): Promise<string> {
  try {
    return (await api.json<{ Id: string }>('POST', '/containers/create', { query: { name }, body })).Id;
  } catch (err) {
    if (err instanceof DaemonError && err.status === 404 && /No such image/.test(err.message)) {
      await pullImage(api, String(body.Image));
      return (await api.json<{ Id: string }>('POST', '/containers/create', { query: { name }, body })).Id;
    }
    throw err;
  }
}

function runOptions(c: Command): Command {
  return healthOptions(c)
    .option('-d, --detach', 'Run in the background and print the container ID')
    .option('--rm', 'Remove the container when it exits')
    .option('-i, --interactive', 'Keep STDIN open')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('-e, --env <KEY=VALUE>', 'Set an environment variable', collect, [])
    .option('-p, --publish <[ip:]host:container[/proto]>', 'Publish a container port', collect, [])
    .option('-v, --volume <src:dst[:ro]>', 'Bind mount a host path or a named volume', collect, [])
    .option('-l, --label <key=value>', 'Set a label', collect, [])
    .option('--name <name>', 'Name of the container')
    .option('--network <network>', 'Network: bridge, host, none or a user-defined network')
    .option('--restart <policy>', 'Restart policy: no, always, on-failure[:N], unless-stopped')
    .option('-m, --memory <bytes>', 'Memory limit (e.g. 512m)')
    .option('--cpus <number>', 'Number of CPUs')
    .option('--pids-limit <n>', 'Limit on the number of processes')
    .option('--entrypoint <cmd>', 'Override the image entrypoint')
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('-u, --user <user[:group]>', 'User to run as')
    .option('-h, --hostname <name>', 'Container host name')
    .option('--privileged', 'Give extended privileges to this container')
    .option('--cap-add <cap>', 'Add a Linux capability', collect, [])
    .option('--cap-drop <cap>', 'Drop a Linux capability', collect, [])
    .option('--security-opt <opt>', 'Security option (seccomp=unconfined|FILE, no-new-privileges)', collect, []);
}

/** run, create, start, stop, kill, restart, rm, ps, logs, inspect, wait, rename; exec and attach. */
export function registerContainerCommands(program: Command, client: ClientFn): void {
  registerExecCommands(program, client);
  runOptions(
    program
      .command('run')
      .description('Create and start a container, and show its output')
      .argument('<image>')
      .argument('[command...]'),
  )
    .passThroughOptions()
    .action(async (image: string, cmd: string[], o: RunOpts) => {
      const api = client();
      const id = await createContainer(api, createBody(image, cmd, o), o.name);
      if (o.detach) {
        await api.raw('POST', `/containers/${id}/start`).then((r) => r.resume());
        process.stdout.write(`${id}\n`);
        return;
      }
      const out = await api.hijack(`/containers/${id}/attach`, {
        stream: true,
        stdin: !!o.interactive,
        stdout: true,
        stderr: true,
      });
      const waiting = api.json<{ StatusCode: number }>('POST', `/containers/${id}/wait`, {
        query: { condition: o.rm ? 'removed' : 'next-exit' },
      });
      const session = stdioSession(out, { tty: !!o.tty, stdin: !!o.interactive });
      await api.raw('POST', `/containers/${id}/start`).then((r) => r.resume());
      if (o.tty && process.stdout.isTTY)
        await api
          .raw('POST', `/containers/${id}/resize`, { query: { h: process.stdout.rows, w: process.stdout.columns } })
          .then((r) => r.resume())
          .catch(() => undefined);
      const { StatusCode } = await waiting;
      await Promise.race([session.done, new Promise((r) => setTimeout(r, 1000))]);
      session.close();
      out.destroy();
      process.exitCode = StatusCode;
    });

  runOptions(program.command('create').description('Create a container').argument('<image>').argument('[command...]'))
    .passThroughOptions()
    .action(async (image: string, cmd: string[], o: RunOpts) => {
      process.stdout.write(`${await createContainer(client(), createBody(image, cmd, o), o.name)}\n`);
    });

  const each = (
    name: string,
    desc: string,
    fn: (api: ApiClient, id: string, o: Record<string, string>) => Promise<void>,
    opts: Array<[string, string]> = [],
  ) => {
    const c = program.command(name).description(desc).argument('<container...>');
    for (const [f, d] of opts) c.option(f, d);
    c.action(async (ids: string[], o: Record<string, string>) => {
      const api = client();
      let failed = false;
      for (const id of ids) {
        try {
          await fn(api, id, o);
          process.stdout.write(`${id}\n`);
        } catch (err) {
          failed = true;
          process.stderr.write(`Error response from daemon: ${(err as Error).message}\n`);
        }
      }
      if (failed) process.exitCode = 1;
    });
  };
  each(
    'start',
    'Start one or more stopped containers',
    async (api, id) => void (await api.raw('POST', `/containers/${id}/start`)).resume(),
  );
  each(
    'stop',
    'Stop one or more running containers',
    async (api, id, o) => void (await api.raw('POST', `/containers/${id}/stop`, { query: { t: o.time } })).resume(),
    [['-t, --time <seconds>', 'Seconds to wait before killing']],
  );
  each(
    'restart',
    'Restart one or more containers',
    async (api, id, o) => void (await api.raw('POST', `/containers/${id}/restart`, { query: { t: o.time } })).resume(),
    [['-t, --time <seconds>', 'Seconds to wait before killing']],
  );
  each(
    'kill',
    'Kill one or more running containers',
    async (api, id, o) =>
      void (await api.raw('POST', `/containers/${id}/kill`, { query: { signal: o.signal } })).resume(),
    [['-s, --signal <signal>', 'Signal to send (default KILL)']],
  );
  each(
    'rm',
    'Remove one or more containers',
    async (api, id, o) =>
      void (await api.raw('DELETE', `/containers/${id}`, { query: { force: !!o.force, v: !!o.volumes } })).resume(),
    [
      ['-f, --force', 'Force the removal of a running container'],
      ['-v, --volumes', 'Remove anonymous volumes'],
    ],
  );

  program
    .command('wait')
    .description('Block until a container stops, then print its exit code')
    .argument('<container>')
    .action(async (id: string) => {
      const r = await client().json<{ StatusCode: number }>('POST', `/containers/${id}/wait`);
      process.stdout.write(`${r.StatusCode}\n`);
    });

  program
    .command('rename')
    .description('Rename a container')
    .argument('<container>')
    .argument('<new-name>')
    .action(
      async (id: string, name: string) =>
        void (await client().raw('POST', `/containers/${id}/rename`, { query: { name } })).resume(),
    );

  program
    .command('ps')
    .description('List containers')
    .option('-a, --all', 'Show all containers (default shows just running)')
    .option('-q, --quiet', 'Only display container IDs')
    .option('-f, --filter <key=value>', 'Filter output', collect, [])
    .option('--format <template>', 'Format output with a Go-like template, or json')
    .option('--no-trunc', "Don't truncate output")
    .option('-n, --last <n>', 'Show n last created containers')
    .action(
      async (o: {
        all?: boolean;
        quiet?: boolean;
        filter: string[];
        format?: string;
        trunc: boolean;
        last?: string;
      }) => {
        const filters: Record<string, Record<string, boolean>> = {};
        for (const f of o.filter) {
          const i = f.indexOf('=');
          if (i < 0) throw new Error(`bad format of filter (expected name=value): ${f}`);
          (filters[f.slice(0, i)] ??= {})[f.slice(i + 1)] = true;
        }
        const list = await client().json<Array<Record<string, unknown>>>('GET', '/containers/json', {
          query: { all: !!o.all || !!o.last, limit: o.last, filters: JSON.stringify(filters) },
        });
        if (o.quiet) {
          for (const c of list) process.stdout.write(`${String(c.Id).slice(0, o.trunc ? 12 : 64)}\n`);
          return;
        }
        if (o.format) {
          for (const c of list)
            process.stdout.write(
              formatTemplate(o.format, {
                ...c,
                ID: String(c.Id).slice(0, 12),
                Names: (c.Names as string[]).map((n) => n.slice(1)).join(','),
                Command: c.Command,
              }) + '\n',
            );
          return;
        }
        const rows = list.map((c) => [
          o.trunc ? String(c.Id).slice(0, 12) : String(c.Id),
          String(c.Image),
          o.trunc ? JSON.stringify(truncate(String(c.Command), 20)) : JSON.stringify(c.Command),
          since(Number(c.Created)),
          String(c.Status),
          formatPorts(c.Ports as Array<Record<string, unknown>>),
          (c.Names as string[]).map((n) => n.slice(1)).join(','),
        ]);
        process.stdout.write(table(['CONTAINER ID', 'IMAGE', 'COMMAND', 'CREATED', 'STATUS', 'PORTS', 'NAMES'], rows));
      },
    );

  program
    .command('logs')
    .description('Fetch the logs of a container')
    .argument('<container>')
    .option('-f, --follow', 'Follow log output')
    .option('-n, --tail <n>', 'Number of lines to show from the end of the logs', 'all')
    .option('-t, --timestamps', 'Show timestamps')
    .option('--since <time>', 'Show logs since a timestamp (unix or RFC 3339)')
    .option('--until <time>', 'Show logs before a timestamp')
    .action(
      async (
        id: string,
        o: { follow?: boolean; tail: string; timestamps?: boolean; since?: string; until?: string },
      ) => {
        const api = client();
        const info = await api.json<{ Config: { Tty: boolean } }>('GET', `/containers/${id}/json`);
        const res = await api.raw('GET', `/containers/${id}/logs`, {
          query: {
            stdout: true,
            stderr: true,
            follow: !!o.follow,
            tail: o.tail,
            timestamps: !!o.timestamps,
            since: o.since,
            until: o.until,
          },
        });
        const write = info.Config.Tty
          ? (b: Buffer) => process.stdout.write(b)
          : demux(
              (b) => process.stdout.write(b),
              (b) => process.stderr.write(b),
            );
        for await (const c of res) write(c as Buffer);
      },
    );

  program
    .command('inspect')
    .description('Return low-level information on containers or images')
    .argument('<name...>')
    .option('-f, --format <template>', 'Format the output with a Go-like template')
    .option('--type <type>', 'container or image')
    .action(async (names: string[], o: { format?: string; type?: string }) => {
      const api = client();
      const out: unknown[] = [];
      let failed = false;
      for (const n of names) {
        const tries =
          o.type === 'image'
            ? [`/images/${n}/json`]
            : o.type === 'container'
              ? [`/containers/${n}/json`]
              : [`/containers/${n}/json`, `/images/${n}/json`];
        let found: unknown;
        for (const p of tries) {
          try {
            found = await api.json('GET', p);
            break;
          } catch (err) {
            if (!(err instanceof DaemonError && err.status === 404)) throw err;
          }
        }
        if (found === undefined) {
          failed = true;
          process.stderr.write(`Error: No such object: ${n}\n`);
        } else out.push(found);
      }
      if (o.format)
        for (const x of out) process.stdout.write(formatTemplate(o.format, x as Record<string, unknown>) + '\n');
      else process.stdout.write(JSON.stringify(out, null, 4) + '\n');
      if (failed) process.exitCode = 1;
    });
}

function formatPorts(ports: Array<Record<string, unknown>> = []): string {
  return ports
    .map((p) => (p.PublicPort ? `${p.IP}:${p.PublicPort}->${p.PrivatePort}/${p.Type}` : `${p.PrivatePort}/${p.Type}`))
    .join(', ');
}
