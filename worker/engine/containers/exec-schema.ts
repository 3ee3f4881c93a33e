import { z } from 'zod';
import { InvalidArgumentError } from '../../../src/api';

const consoleSize = z.array(z.number().int().min(0)).length(2, 'must be [height, width]').nullish();

/** The body of POST /containers/{id}/exec (Docker's ExecConfig). */
export const execCreateSchema = z
  .object({
    AttachStdin: z.boolean().optional(),
    AttachStdout: z.boolean().optional(),
    AttachStderr: z.boolean().optional(),
    Tty: z.boolean().optional(),
    ConsoleSize: consoleSize,
    Env: z.array(z.string().regex(/^[^=]+(=|$)/, 'must be KEY=VALUE')).nullish(),
    Cmd: z.array(z.string(), { invalid_type_error: 'must be a list of strings' }).nullish(),
    WorkingDir: z
      .string()
      .refine((d) => d === '' || d.startsWith('/'), 'must be an absolute path')
      .optional(),
    User: z.string().optional(),
    Privileged: z.boolean().optional(),
    DetachKeys: z.string().optional(),
  })
  .passthrough();

/** The body of POST /exec/{id}/start. */
export const execStartSchema = z
  .object({
    Detach: z.boolean().optional(),
    Tty: z.boolean().optional(),
    ConsoleSize: consoleSize,
  })
  .passthrough();

export type ExecCreateBody = z.infer<typeof execCreateSchema>;
export type ExecStartBody = z.infer<typeof execStartSchema>;

function parse<T>(schema: z.ZodType<T>, what: string, body: unknown): T {
  const r = schema.safeParse(body ?? {});
  if (!r.success) {
    const issue = r.error.issues[0];
    const field = issue.path.join('.') || 'body';
    throw new InvalidArgumentError(`invalid ${what}: ${field}: ${issue.message}`);
  }
  return r.data;
}

/** Validates an exec create body once, at the edge; the error names the offending field. */
export function parseExecCreate(body: unknown): ExecCreateBody & { Cmd: string[] } {
  const b = parse(execCreateSchema, 'exec config', body);
  if (!b.Cmd || b.Cmd.length === 0) throw new InvalidArgumentError('No exec command specified');
  if (b.Cmd[0] === '') throw new InvalidArgumentError('invalid exec config: Cmd.0: the command is empty');
  if (b.DetachKeys) parseDetachKeys(b.DetachKeys);
  return { ...b, Cmd: b.Cmd };
}

export function parseExecStart(body: unknown): ExecStartBody {
  return parse(execStartSchema, 'exec start config', body);
}

/**
 * Docker's detach key syntax: a comma-separated list of single characters or ctrl-<key>
 * (a-z, @, [, \, ], ^, _); returns the bytes.
 */
export function parseDetachKeys(keys: string): Buffer {
  const out: number[] = [];
  for (const k of keys.split(',')) {
    const ctrl = /^ctrl-(.)$/.exec(k);
    if (k.length === 1) out.push(k.charCodeAt(0));
    else if (ctrl && /[a-z@[\\\]^_]/.test(ctrl[1])) {
      const c = ctrl[1];
      out.push(c >= 'a' && c <= 'z' ? c.charCodeAt(0) - 96 : c.charCodeAt(0) - 64);
    } else throw new InvalidArgumentError(`Invalid detach keys (${keys}) provided`);
  }
  return Buffer.from(out);
}
