import type { Command } from 'commander';
import type { NodeObject, ServiceObject, ServiceSpec, TaskObject } from '../../src/api';
import { demux, type ApiClient } from '../api-client';
import { formatTemplate, table } from '../format';
import { healthOptions } from '../health-flags';
import { waitForService } from '../service-progress';
import {
  applyServiceUpdate,
  buildServiceSpec,
  type CreateServiceFlags,
  type UpdateServiceFlags,
} from '../service-spec-flags';
import { serviceLsRows, servicePsRows, type ServiceWithStatus } from '../service-tables';

type ClientFn = () => ApiClient;
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The flags create and update share, with docker's names. */
function commonOptions(c: Command): Command {
  c.option('--replicas <n>', 'Number of tasks (of completions, for a replicated job)')
    .option('--max-concurrent <n>', 'Number of job tasks to run concurrently (default equal to --replicas)')
    .option('--restart-condition <c>', 'Restart when condition is met ("none", "on-failure", "any")')
    .option('--restart-delay <d>', 'Delay between restart attempts (ns|us|ms|s|m|h)')
    .option('--restart-max-attempts <n>', 'Maximum number of restarts before giving up')
    .option('--restart-window <d>', 'Window used to evaluate the restart policy (ns|us|ms|s|m|h)')
    .option('--update-parallelism <n>', 'Maximum number of tasks updated simultaneously (0 to update all at once)')
    .option('--update-delay <d>', 'Delay between updates (ns|us|ms|s|m|h)')
    .option('--update-failure-action <a>', 'Action on update failure ("pause", "continue", "rollback")')
    .option('--update-order <o>', 'Update order ("start-first", "stop-first")')
    .option('--update-monitor <d>', 'Duration after each task update to monitor for failure (ns|us|ms|s|m|h)')
    .option('--update-max-failure-ratio <r>', 'Failure rate to tolerate during an update')
    .option(
      '--rollback-parallelism <n>',
      'Maximum number of tasks rolled back simultaneously (0 to roll back all at once)',
    )
    .option('--rollback-delay <d>', 'Delay between task rollbacks (ns|us|ms|s|m|h)')
    .option('--rollback-failure-action <a>', 'Action on rollback failure ("pause", "continue")')
    .option('--rollback-order <o>', 'Rollback order ("start-first", "stop-first")')
    .option('--rollback-monitor <d>', 'Duration after each task rollback to monitor for failure (ns|us|ms|s|m|h)')
    .option('--rollback-max-failure-ratio <r>', 'Failure rate to tolerate during a rollback')
    .option('--limit-cpu <cpus>', 'Limit CPUs')
    .option('--limit-memory <bytes>', 'Limit Memory')
    .option('--reserve-cpu <cpus>', 'Reserve CPUs')
    .option('--reserve-memory <bytes>', 'Reserve Memory')
    .option('--replicas-max-per-node <n>', 'Maximum number of tasks per node (default 0 = unlimited)')
    .option('--stop-grace-period <d>', 'Time to wait before force killing a container (ns|us|ms|s|m|h)')
    .option('--stop-signal <signal>', 'Signal to stop the container');
  return healthOptions(c)
    .option('-u, --user <user>', 'Username or UID (format: <name|uid>[:<group|gid>])')
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('--hostname <name>', 'Container hostname')
    .option('--entrypoint <cmd>', 'Overwrite the default ENTRYPOINT of the image')
    .option('-d, --detach', 'Exit immediately instead of waiting for the service to converge')
    .option('-q, --quiet', 'Suppress progress output');
}

type Flags<T> = T & { detach?: boolean; quiet?: boolean; replicasMaxPerNode?: string; healthcheck?: boolean };

/** Commander's --no-x gives `x: false`; the spec builders read `noHealthcheck`. */
function flagsOf<T extends object>(o: Flags<T>): T {
  const f = { ...o, maxReplicas: o.replicasMaxPerNode, noHealthcheck: o.healthcheck === false } as T & {
    healthcheck?: boolean;
  };
  delete f.healthcheck;
  return f;
}

/** Network names become IDs where the daemon knows them (docker resolves them before create). */
async function resolveNetworks(c: ApiClient, spec: ServiceSpec): Promise<void> {
  for (const n of spec.TaskTemplate.Networks ?? []) {
    try {
      const net = await c.json<{ Id?: string; ID?: string }>('GET', `/networks/${encodeURIComponent(n.Target)}`, {
        query: { scope: 'swarm' },
      });
      n.Target = net.Id ?? net.ID ?? n.Target;
    } catch {
      /* the daemon resolves names itself */
    }
  }
}

async function getService(c: ApiClient, ref: string, insertDefaults = false): Promise<ServiceObject> {
  return c.json<ServiceObject>('GET', `/services/${encodeURIComponent(ref)}`, {
    query: { insertDefaults: insertDefaults ? 'true' : 'false' },
  });
}

function filterQuery(filters: string[] | undefined, extra: Record<string, string[]> = {}): string | undefined {
  const m: Record<string, Record<string, boolean>> = {};
  for (const [k, vs] of Object.entries(extra)) for (const v of vs) (m[k] ??= {})[v] = true;
  for (const f of filters ?? []) {
    const eq = f.indexOf('=');
    if (eq < 0) throw new Error(`bad format of filter (expected name=value)`);
    (m[f.slice(0, eq)] ??= {})[f.slice(eq + 1)] = true;
  }
  return Object.keys(m).length ? JSON.stringify(m) : undefined;
}

/** service ps for one or more services (shared with stack ps). */
export async function printTasks(
  c: ApiClient,
  query: Record<string, string[]>,
  o: { filter?: string[]; noTrunc?: boolean; quiet?: boolean },
): Promise<void> {
  const tasks = await c.json<TaskObject[]>('GET', '/tasks', { query: { filters: filterQuery(o.filter, query) } });
  if (o.quiet) {
    process.stdout.write(tasks.map((t) => t.ID + '\n').join(''));
    return;
  }
  const services = new Map<string, ServiceObject>();
  for (const id of new Set(tasks.map((t) => t.ServiceID)))
    services.set(id, await getService(c, id).catch(() => undefined as never));
  const nodes = new Map((await c.json<NodeObject[]>('GET', '/nodes')).map((n) => [n.ID, n]));
  process.stdout.write(
    table(
      ['ID', 'NAME', 'IMAGE', 'NODE', 'DESIRED STATE', 'CURRENT STATE', 'ERROR', 'PORTS'],
      servicePsRows(tasks, services, nodes, { noTrunc: o.noTrunc }),
    ),
  );
}

/** service ls rows for a filtered list (shared with stack services). */
export async function printServices(
  c: ApiClient,
  query: Record<string, string[]>,
  o: { filter?: string[]; quiet?: boolean; format?: string },
): Promise<void> {
  const list = await c.json<ServiceWithStatus[]>('GET', '/services', {
    query: { filters: filterQuery(o.filter, query), status: 'true' },
  });
  if (o.quiet) process.stdout.write(list.map((s) => s.ID + '\n').join(''));
  else if (o.format)
    for (const s of list)
      process.stdout.write(formatTemplate(o.format, s as unknown as Record<string, unknown>) + '\n');
  else process.stdout.write(table(['ID', 'NAME', 'MODE', 'REPLICAS', 'IMAGE', 'PORTS'], serviceLsRows(list)));
}

function prettyMode(sp: ServiceSpec): string {
  const m = sp.Mode ?? {};
  return m.Global ? 'Global' : m.ReplicatedJob ? 'Replicated Job' : m.GlobalJob ? 'Global Job' : 'Replicated';
}

function prettyService(s: ServiceObject): string {
  const sp = s.Spec;
  const c = sp.TaskTemplate.ContainerSpec ?? {};
  const lines = [
    `ID:\t\t${s.ID}`,
    `Name:\t\t${sp.Name}`,
    ...(Object.keys(sp.Labels ?? {}).length
      ? ['Labels:', ...Object.entries(sp.Labels!).map(([k, v]) => ` ${k}=${v}`)]
      : []),
    `Service Mode:\t${prettyMode(sp)}`,
    ...(sp.Mode?.Replicated ? [` Replicas:\t${sp.Mode.Replicated.Replicas ?? 1}`] : []),
    ...(sp.Mode?.ReplicatedJob
      ? [
          ` Max Concurrent:\t${sp.Mode.ReplicatedJob.MaxConcurrent ?? 1}`,
          ` Total Completions:\t${sp.Mode.ReplicatedJob.TotalCompletions ?? 1}`,
        ]
      : []),
    ...(s.UpdateStatus
      ? [`UpdateStatus:`, ` State:\t\t${s.UpdateStatus.State}`, ` Message:\t${s.UpdateStatus.Message ?? ''}`]
      : []),
    `Placement:`,
    ...(sp.TaskTemplate.Placement?.Constraints?.length
      ? [` Constraints:\t[${sp.TaskTemplate.Placement.Constraints.join(' ')}]`]
      : []),
    ...(['UpdateConfig', 'RollbackConfig'] as const).flatMap((k) => {
      const u = sp[k];
      if (!u) return [];
      return [
        `${k}:`,
        ` Parallelism:\t${u.Parallelism ?? 1}`,
        ...(u.Delay ? [` Delay:\t\t${u.Delay / 1e9}s`] : []),
        ` On failure:\t${u.FailureAction ?? 'pause'}`,
        ` Monitoring Period: ${(u.Monitor ?? 5e9) / 1e9}s`,
        ` Max failure ratio: ${u.MaxFailureRatio ?? 0}`,
        k === 'UpdateConfig'
          ? ` Update order:      ${u.Order ?? 'stop-first'}`
          : ` Rollback order:    ${u.Order ?? 'stop-first'}`,
      ];
    }),
    `ContainerSpec:`,
    ` Image:\t\t${c.Image ?? ''}`,
    ...(c.Args?.length ? [` Args:\t\t${c.Args.join(' ')}`] : []),
    ...(c.Env?.length ? [` Env:\t\t${c.Env.join(' ')}`] : []),
    ...(sp.TaskTemplate.Resources?.Limits?.NanoCPUs || sp.TaskTemplate.Resources?.Limits?.MemoryBytes
      ? [
          'Resources:',
          ' Limits:',
          ...(sp.TaskTemplate.Resources.Limits.NanoCPUs
            ? [`  CPU:\t\t${sp.TaskTemplate.Resources.Limits.NanoCPUs / 1e9}`]
            : []),
          ...(sp.TaskTemplate.Resources.Limits.MemoryBytes
            ? [`  Memory:\t${sp.TaskTemplate.Resources.Limits.MemoryBytes}B`]
            : []),
        ]
      : []),
    ...(sp.TaskTemplate.Networks?.length
      ? [`Networks:\t${sp.TaskTemplate.Networks.map((n) => n.Target).join(' ')}`]
      : []),
    `Endpoint Mode:\t${sp.EndpointSpec?.Mode ?? 'vip'}`,
    ...(s.Endpoint?.Ports?.length
      ? [
          'Ports:',
          ...s.Endpoint.Ports.map(
            (p) =>
              ` PublishedPort = ${p.PublishedPort}\n  Protocol = ${p.Protocol}\n  TargetPort = ${p.TargetPort}\n  PublishMode = ${p.PublishMode}`,
          ),
        ]
      : []),
  ];
  return lines.join('\n') + '\n';
}

async function sendUpdate(
  c: ApiClient,
  svc: ServiceObject,
  spec: ServiceSpec,
  query: Record<string, string>,
  o: { detach?: boolean; quiet?: boolean },
  label: string,
): Promise<void> {
  await c.json('POST', `/services/${svc.ID}/update`, { query: { version: svc.Version.Index, ...query }, body: spec });
  process.stdout.write(`${label}\n`);
  if (!o.detach) await waitForService(c, svc.ID, { quiet: o.quiet });
}

/** service create, ls, ps, inspect, scale, update, rollback, rm, logs. */
export function registerServiceCommands(program: Command, client: ClientFn): void {
  const service = program.command('service').description('Manage Swarm services');

  commonOptions(
    service
      .command('create <image> [command...]')
      .description('Create a new service')
      .option('--name <name>', 'Service name')
      .option('--mode <mode>', 'Service mode ("replicated", "global", "replicated-job" or "global-job")', 'replicated')
      .option('-e, --env <var>', 'Set environment variables', collect)
      .option('-l, --label <label>', 'Service labels', collect)
      .option('--container-label <label>', 'Container labels', collect)
      .option('--constraint <c>', 'Placement constraints', collect)
      .option('--placement-pref <pref>', 'Add a placement preference', collect)
      .option('-p, --publish <port>', 'Publish a port as a node port', collect)
      .option('--mount <mount>', 'Attach a filesystem mount to the service', collect)
      .option('--secret <secret>', 'Specify secrets to expose to the service', collect)
      .option('--config <config>', 'Specify configurations to expose to the service', collect)
      .option('--network <network>', 'Network attachments', collect)
      .option('--with-registry-auth', 'Send registry authentication details to swarm agents'),
  ).action(async (image: string, args: string[], o: Flags<CreateServiceFlags>) => {
    const c = client();
    const spec = buildServiceSpec(image, args, flagsOf(o));
    await resolveNetworks(c, spec);
    const r = await c.json<{ ID: string; Warnings?: string[] | null }>('POST', '/services/create', { body: spec });
    for (const w of r.Warnings ?? []) process.stderr.write(`${w}\n`);
    process.stdout.write(`${r.ID}\n`);
    if (!o.detach) await waitForService(c, r.ID, { quiet: o.quiet });
  });

  service
    .command('ls')
    .alias('list')
    .description('List services')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('-q, --quiet', 'Only display IDs')
    .option('--format <template>', 'Format output using a template')
    .action(async (o: { filter?: string[]; quiet?: boolean; format?: string }) => printServices(client(), {}, o));

  service
    .command('ps <service...>')
    .description('List the tasks of one or more services')
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('--no-trunc', 'Do not truncate output')
    .option('-q, --quiet', 'Only display task IDs')
    .action(async (refs: string[], o: { filter?: string[]; trunc?: boolean; quiet?: boolean }) =>
      printTasks(client(), { service: refs }, { filter: o.filter, noTrunc: o.trunc === false, quiet: o.quiet }),
    );

  service
    .command('inspect <service...>')
    .description('Display detailed information on one or more services')
    .option('-f, --format <template>', 'Format output using a template')
    .option('--pretty', 'Print the information in a human friendly format')
    .action(async (refs: string[], o: { format?: string; pretty?: boolean }) => {
      const c = client();
      const out: ServiceObject[] = [];
      for (const r of refs) out.push(await getService(c, r, true));
      if (o.pretty) process.stdout.write(out.map(prettyService).join('\n'));
      else if (o.format)
        for (const s of out)
          process.stdout.write(formatTemplate(o.format, s as unknown as Record<string, unknown>) + '\n');
      else process.stdout.write(JSON.stringify(out, null, 4) + '\n');
    });

  service
    .command('scale <service=replicas...>')
    .description('Scale one or multiple replicated services')
    .option('-d, --detach', 'Exit immediately instead of waiting for the service to converge')
    .action(async (pairs: string[], o: { detach?: boolean }) => {
      const c = client();
      for (const p of pairs) {
        const eq = p.indexOf('=');
        const n = Number(p.slice(eq + 1));
        if (eq < 0 || !Number.isInteger(n) || n < 0) throw new Error(`invalid scale specifier '${p}'.`);
        const name = p.slice(0, eq);
        const svc = await getService(c, name);
        const spec = structuredClone(svc.Spec);
        // A replicated job scales its completions (a new iteration), as docker's scale does.
        if (spec.Mode?.Replicated) spec.Mode = { Replicated: { Replicas: n } };
        else if (spec.Mode?.ReplicatedJob) spec.Mode.ReplicatedJob.TotalCompletions = n;
        else throw new Error(`scale can only be used with replicated or replicated-job mode`);
        await sendUpdate(c, svc, spec, {}, o, `${name} scaled to ${n}`);
      }
    });

  commonOptions(
    service
      .command('update <service>')
      .description('Update a service')
      .option('--image <image>', 'Service image tag')
      .option('--args <command>', 'Service command args')
      .option('--force', 'Force update even if no changes require it')
      .option('--rollback', 'Rollback to previous specification')
      .option('--env-add <var>', 'Add or update an environment variable', collect)
      .option('--env-rm <var>', 'Remove an environment variable', collect)
      .option('--label-add <label>', 'Add or update a service label', collect)
      .option('--label-rm <label>', 'Remove a label by its key', collect)
      .option('--container-label-add <label>', 'Add or update a container label', collect)
      .option('--container-label-rm <label>', 'Remove a container label by its key', collect)
      .option('--constraint-add <c>', 'Add or update a placement constraint', collect)
      .option('--constraint-rm <c>', 'Remove a constraint', collect)
      .option('--placement-pref-add <pref>', 'Add a placement preference', collect)
      .option('--placement-pref-rm <pref>', 'Remove a placement preference', collect)
      .option('--publish-add <port>', 'Add or update a published port', collect)
      .option('--publish-rm <port>', 'Remove a published port by its target port', collect)
      .option('--secret-add <secret>', 'Add or update a secret on a service', collect)
      .option('--secret-rm <secret>', 'Remove a secret', collect)
      .option('--config-add <config>', 'Add or update a config file on a service', collect)
      .option('--config-rm <config>', 'Remove a configuration file', collect)
      .option('--mount-add <mount>', 'Add or update a mount on a service', collect)
      .option('--mount-rm <target>', 'Remove a mount by its target path', collect)
      .option('--network-add <network>', 'Add a network', collect)
      .option('--network-rm <network>', 'Remove a network', collect)
      .option('--with-registry-auth', 'Send registry authentication details to swarm agents'),
  ).action(async (ref: string, o: Flags<UpdateServiceFlags> & { rollback?: boolean }) => {
    const c = client();
    const svc = await getService(c, ref);
    if (o.rollback) {
      await sendUpdate(c, svc, svc.Spec, { rollback: 'previous' }, o, ref);
      return;
    }
    const spec = applyServiceUpdate(svc.Spec, flagsOf(o));
    await resolveNetworks(c, spec);
    await sendUpdate(c, svc, spec, { registryAuthFrom: 'spec' }, o, ref);
  });

  service
    .command('rollback <service>')
    .description("Revert changes to a service's configuration")
    .option('-d, --detach', 'Exit immediately instead of waiting for the service to converge')
    .option('-q, --quiet', 'Suppress progress output')
    .action(async (ref: string, o: { detach?: boolean; quiet?: boolean }) => {
      const c = client();
      const svc = await getService(c, ref);
      await sendUpdate(c, svc, svc.Spec, { rollback: 'previous' }, o, ref);
    });

  service
    .command('rm <service...>')
    .alias('remove')
    .description('Remove one or more services')
    .action(async (refs: string[]) => {
      for (const r of refs) {
        await client().json('DELETE', `/services/${encodeURIComponent(r)}`);
        process.stdout.write(`${r}\n`);
      }
    });

  service
    .command('logs <service>')
    .description('Fetch the logs of a service or task')
    .option('-f, --follow', 'Follow log output')
    .option('-n, --tail <n>', 'Number of lines to show from the end of the logs', 'all')
    .option('-t, --timestamps', 'Show timestamps')
    .option('--since <time>', 'Show logs since timestamp')
    .option('--raw', 'Do not neatly format logs')
    .action(
      async (
        ref: string,
        o: { follow?: boolean; tail: string; timestamps?: boolean; since?: string; raw?: boolean },
      ) => {
        const c = client();
        const query = {
          follow: o.follow ? '1' : undefined,
          stdout: '1',
          stderr: '1',
          tail: o.tail,
          timestamps: o.timestamps ? '1' : undefined,
          since: o.since,
        };
        const svc = await getService(c, ref).catch(() => undefined);
        const path = svc ? `/services/${svc.ID}/logs` : `/tasks/${encodeURIComponent(ref)}/logs`;
        const res = await c.raw('GET', path, { query });
        const feed = demux(
          (b) => process.stdout.write(b),
          (b) => process.stderr.write(b),
        );
        for await (const chunk of res) feed(chunk as Buffer);
      },
    );
}
