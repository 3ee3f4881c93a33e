import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import type { ApiClient } from '../api-client';
import { formatTemplate, since, table } from '../format';
import { toLabels } from '../service-flag-parsers';

type ClientFn = () => ApiClient;
const collect = (v: string, prev: string[] = []) => [...prev, v];

interface DataObject {
  ID: string;
  CreatedAt: string;
  UpdatedAt: string;
  Spec: { Name: string; Labels?: Record<string, string>; Data?: string; Driver?: { Name?: string } };
}

/** The bytes of FILE, or of stdin for "-". */
function readSource(file: string): Buffer {
  return file === '-' ? readFileSync(0) : readFileSync(file);
}

/**
 * create, ls, inspect, rm for `secret` or `config`: the two commands are the same but for
 * the path and the driver column.
 */
export function registerDataCommands(program: Command, client: ClientFn, kind: 'secret' | 'config'): void {
  const base = `/${kind}s`;
  const cmd = program.command(kind).description(kind === 'secret' ? 'Manage Swarm secrets' : 'Manage Swarm configs');
  cmd
    .command('create <name> <file>')
    .description(`Create a ${kind} from a file or STDIN as content`)
    .option('-l, --label <label>', `${kind === 'secret' ? 'Secret' : 'Config'} labels`, collect)
    .action(async (name: string, file: string, o: { label?: string[] }) => {
      const r = await client().json<{ ID: string }>('POST', `${base}/create`, {
        body: { Name: name, Labels: toLabels(o.label), Data: readSource(file).toString('base64') },
      });
      process.stdout.write(`${r.ID}\n`);
    });
  cmd
    .command('ls')
    .alias('list')
    .description(`List ${kind}s`)
    .option('-f, --filter <filter>', 'Filter output based on conditions provided', collect)
    .option('-q, --quiet', 'Only display IDs')
    .option('--format <template>', 'Format output using a template')
    .action(async (o: { filter?: string[]; quiet?: boolean; format?: string }) => {
      const m: Record<string, Record<string, boolean>> = {};
      for (const f of o.filter ?? []) {
        const eq = f.indexOf('=');
        if (eq < 0) throw new Error(`bad format of filter (expected name=value)`);
        (m[f.slice(0, eq)] ??= {})[f.slice(eq + 1)] = true;
      }
      const list = await client().json<DataObject[]>('GET', base, {
        query: Object.keys(m).length ? { filters: JSON.stringify(m) } : {},
      });
      if (o.quiet) return void process.stdout.write(list.map((s) => s.ID + '\n').join(''));
      if (o.format) {
        for (const s of list)
          process.stdout.write(formatTemplate(o.format, s as unknown as Record<string, unknown>) + '\n');
        return;
      }
      const ago = (t: string) => since(Date.parse(t) / 1000);
      const rows = [...list]
        .sort((a, b) => a.Spec.Name.localeCompare(b.Spec.Name))
        .map((s) =>
          kind === 'secret'
            ? [s.ID, s.Spec.Name, s.Spec.Driver?.Name ?? '', ago(s.CreatedAt), ago(s.UpdatedAt)]
            : [s.ID, s.Spec.Name, ago(s.CreatedAt), ago(s.UpdatedAt)],
        );
      const head =
        kind === 'secret' ? ['ID', 'NAME', 'DRIVER', 'CREATED', 'UPDATED'] : ['ID', 'NAME', 'CREATED', 'UPDATED'];
      process.stdout.write(table(head, rows));
    });
  cmd
    .command('inspect <name...>')
    .description(`Display detailed information on one or more ${kind}s`)
    .option('-f, --format <template>', 'Format output using a template')
    .option('--pretty', 'Print the information in a human friendly format')
    .action(async (refs: string[], o: { format?: string; pretty?: boolean }) => {
      const out: DataObject[] = [];
      for (const r of refs) out.push(await client().json<DataObject>('GET', `${base}/${encodeURIComponent(r)}`));
      if (o.format)
        for (const s of out)
          process.stdout.write(formatTemplate(o.format, s as unknown as Record<string, unknown>) + '\n');
      else if (o.pretty)
        for (const s of out)
          process.stdout.write(
            `ID:\t\t${s.ID}\nName:\t\t${s.Spec.Name}\n` +
              Object.entries(s.Spec.Labels ?? {})
                .map(([k, v]) => `Labels:\n - ${k}=${v}\n`)
                .join('') +
              `Created at:\t${s.CreatedAt}\nUpdated at:\t${s.UpdatedAt}\n` +
              (s.Spec.Data !== undefined ? `Data:\n${Buffer.from(s.Spec.Data, 'base64').toString()}\n` : ''),
          );
      else process.stdout.write(JSON.stringify(out, null, 4) + '\n');
    });
  cmd
    .command('rm <name...>')
    .alias('remove')
    .description(`Remove one or more ${kind}s`)
    .action(async (refs: string[]) => {
      for (const r of refs) {
        await client().json('DELETE', `${base}/${encodeURIComponent(r)}`);
        process.stdout.write(`${r}\n`);
      }
    });
}

/** secret create, ls, inspect, rm. */
export function registerSecretCommands(program: Command, client: ClientFn): void {
  registerDataCommands(program, client, 'secret');
}
