import type { Command } from 'commander';
import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { ApiClient } from '../api-client';
import { formatTemplate, humanSize, since, table } from '../format';
import { ProgressDisplay } from '../progress';

type ClientFn = () => ApiClient;
const collect = (v: string, prev: string[] = []) => [...prev, v];

/** "repo:tag" -> [repo, tag]; a port in the host part is not a tag. */
export function splitTag(ref: string): [string, string | undefined] {
  if (ref.includes('@')) return [ref, undefined];
  const at = ref.lastIndexOf(':');
  return at > ref.lastIndexOf('/') ? [ref.slice(0, at), ref.slice(at + 1)] : [ref, undefined];
}

/** pull, push, images, rmi, tag, load, save. */
export function registerImageCommands(program: Command, client: ClientFn): void {
  program
    .command('pull')
    .description('Download an image from a registry')
    .argument('<image>')
    .option('-q, --quiet', 'Suppress verbose output')
    .action(async (image: string, o: { quiet?: boolean }) => {
      const [from, tag] = splitTag(image);
      const display = new ProgressDisplay();
      let digest = '';
      await client().jsonLines(
        'POST',
        '/images/create',
        { query: { fromImage: from, tag: tag ?? 'latest' }, headers: { 'X-Registry-Auth': 'e30=' } },
        (m) => {
          if (m.error) throw new Error(String(m.error));
          if (!o.quiet) display.update(m);
          if (typeof m.status === 'string' && m.status.startsWith('Digest:')) digest = m.status;
        },
      );
      if (o.quiet) process.stdout.write(`${image}\n`);
      else if (!digest) process.stdout.write('');
    });
  program
    .command('push')
    .description('Upload an image to a registry')
    .argument('<image>')
    .action(async (image: string) => {
      const display = new ProgressDisplay();
      const [name, tag] = splitTag(image);
      await client().jsonLines(
        'POST',
        `/images/${name}/push`,
        { query: { tag }, headers: { 'X-Registry-Auth': 'e30=' } },
        (m) => display.update(m),
      );
    });
  program
    .command('images')
    .description('List images')
    .option('-a, --all', 'Show all images')
    .option('-q, --quiet', 'Only show image IDs')
    .option('-f, --filter <key=value>', 'Filter output', collect, [])
    .option('--format <template>', 'Format output with a Go-like template, or json')
    .option('--no-trunc', "Don't truncate output")
    .action(async (o: { all?: boolean; quiet?: boolean; filter: string[]; format?: string; trunc: boolean }) => {
      const filters: Record<string, Record<string, boolean>> = {};
      for (const f of o.filter) {
        const i = f.indexOf('=');
        (filters[f.slice(0, i)] ??= {})[f.slice(i + 1)] = true;
      }
      const list = await client().json<Array<Record<string, unknown>>>('GET', '/images/json', {
        query: { all: !!o.all, filters: JSON.stringify(filters) },
      });
      const short = (id: string) => (o.trunc ? id.replace('sha256:', '').slice(0, 12) : id);
      if (o.quiet) {
        for (const i of list) process.stdout.write(`${short(String(i.Id))}\n`);
        return;
      }
      const rows: string[][] = [];
      for (const i of list) {
        const tags = (i.RepoTags as string[] | null)?.length ? (i.RepoTags as string[]) : ['<none>:<none>'];
        for (const t of tags) {
          const [repo, tag] = splitTag(t);
          if (o.format)
            process.stdout.write(
              formatTemplate(o.format, { ...i, Repository: repo, Tag: tag ?? '<none>', ID: short(String(i.Id)) }) +
                '\n',
            );
          else
            rows.push([
              repo,
              tag ?? '<none>',
              short(String(i.Id)),
              since(Number(i.Created)),
              humanSize(Number(i.Size)),
            ]);
        }
      }
      if (!o.format) process.stdout.write(table(['REPOSITORY', 'TAG', 'IMAGE ID', 'CREATED', 'SIZE'], rows));
    });
  program
    .command('rmi')
    .description('Remove one or more images')
    .argument('<image...>')
    .option('-f, --force', 'Force removal of the image')
    .option('--no-prune', 'Do not delete untagged parents')
    .action(async (images: string[], o: { force?: boolean; prune: boolean }) => {
      for (const i of images) {
        const out = await client().json<Array<Record<string, string>>>('DELETE', `/images/${i}`, {
          query: { force: !!o.force, noprune: !o.prune },
        });
        for (const r of out) process.stdout.write(r.Untagged ? `Untagged: ${r.Untagged}\n` : `Deleted: ${r.Deleted}\n`);
      }
    });
  program
    .command('tag')
    .description('Create a tag TARGET that refers to SOURCE')
    .argument('<source>')
    .argument('<target>')
    .action(async (source: string, target: string) => {
      const [repo, tag] = splitTag(target);
      (await client().raw('POST', `/images/${source}/tag`, { query: { repo, tag: tag ?? 'latest' } })).resume();
    });
  program
    .command('load')
    .description('Load an image from a tar archive (docker-archive or OCI layout)')
    .option('-i, --input <file>', 'Read from a tar file instead of STDIN')
    .option('-q, --quiet', 'Suppress the load output')
    .action(async (o: { input?: string; quiet?: boolean }) => {
      const stream = o.input ? createReadStream(o.input) : process.stdin;
      await client().jsonLines('POST', '/images/load', { query: { quiet: !!o.quiet }, stream }, (m) => {
        if (m.error) throw new Error(String(m.error));
        if (typeof m.stream === 'string') process.stdout.write(m.stream);
      });
    });
  program
    .command('save')
    .description('Save one or more images to a tar archive (STDOUT by default)')
    .argument('<image...>')
    .option('-o, --output <file>', 'Write to a file instead of STDOUT')
    .action(async (images: string[], o: { output?: string }) => {
      if (!o.output && process.stdout.isTTY)
        throw new Error('cowardly refusing to save to a terminal. Use the -o flag or redirect');
      const res = await client().raw('GET', '/images/get', { query: { names: images } });
      await pipeline(res, o.output ? createWriteStream(o.output) : process.stdout);
    });
}
