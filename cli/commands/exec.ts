import type { Command } from 'commander';
import type { ApiClient } from '../api-client';
import { stdioSession } from '../stdio-session';

type ClientFn = () => ApiClient;
const collect = (v: string, prev: string[] = []) => [...prev, v];

interface ExecOpts {
  interactive?: boolean;
  tty?: boolean;
  detach?: boolean;
  env: string[];
  workdir?: string;
  user?: string;
  privileged?: boolean;
  detachKeys?: string;
}

/** [rows, columns] of this terminal, when stdout is one. */
function consoleSize(): [number, number] | undefined {
  return process.stdout.isTTY ? [process.stdout.rows, process.stdout.columns] : undefined;
}

/** Keeps the remote TTY the size of this terminal (at start and on SIGWINCH). */
function followTerminalSize(resize: (h: number, w: number) => Promise<unknown>): () => void {
  if (!process.stdout.isTTY) return () => undefined;
  const send = () => void resize(process.stdout.rows, process.stdout.columns).catch(() => undefined);
  send();
  process.on('SIGWINCH', send);
  return () => process.off('SIGWINCH', send);
}

/** exec and attach: processes and streams of running containers. */
export function registerExecCommands(program: Command, client: ClientFn): void {
  program
    .command('exec')
    .description('Run a command in a running container; exits with its exit code')
    .argument('<container>')
    .argument('<command...>')
    .option('-i, --interactive', 'Keep STDIN open')
    .option('-t, --tty', 'Allocate a pseudo-TTY')
    .option('-d, --detach', 'Run the command in the background')
    .option('-e, --env <KEY=VALUE>', 'Set an environment variable', collect, [])
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('-u, --user <user[:group]>', 'User to run as')
    .option('--privileged', 'Give extended privileges to the command')
    .option('--detach-keys <keys>', 'Key sequence for detaching')
    .passThroughOptions()
    .action(async (container: string, cmd: string[], o: ExecOpts) => {
      const api = client();
      const tty = !!o.tty;
      const { Id } = await api.json<{ Id: string }>('POST', `/containers/${container}/exec`, {
        body: {
          AttachStdin: !!o.interactive && !o.detach,
          AttachStdout: !o.detach,
          AttachStderr: !o.detach,
          Tty: tty,
          ConsoleSize: tty ? consoleSize() : undefined,
          Env: o.env,
          Cmd: cmd,
          WorkingDir: o.workdir,
          User: o.user,
          Privileged: !!o.privileged,
          DetachKeys: o.detachKeys,
        },
      });
      if (o.detach) {
        (await api.raw('POST', `/exec/${Id}/start`, { body: { Detach: true, Tty: tty } })).resume();
        return;
      }
      const socket = await api.hijack(
        `/exec/${Id}/start`,
        {},
        { Detach: false, Tty: tty, ConsoleSize: tty ? consoleSize() : undefined },
      );
      const session = stdioSession(socket, { tty, stdin: !!o.interactive });
      const unfollow = tty
        ? followTerminalSize((h, w) =>
            api.raw('POST', `/exec/${Id}/resize`, { query: { h, w } }).then((r) => r.resume()),
          )
        : () => undefined;
      await session.done;
      unfollow();
      const x = await api.json<{ ExitCode: number | null }>('GET', `/exec/${Id}/json`);
      process.exitCode = x.ExitCode ?? 0;
    });

  program
    .command('attach')
    .description("Attach this terminal's input and output to a running container")
    .argument('<container>')
    .option('--no-stdin', 'Do not attach STDIN')
    .action(async (container: string, o: { stdin: boolean }) => {
      const api = client();
      const info = await api.json<{ Id: string; Config: { Tty: boolean; OpenStdin: boolean } }>(
        'GET',
        `/containers/${container}/json`,
      );
      const stdin = o.stdin && info.Config.OpenStdin;
      const socket = await api.hijack(`/containers/${info.Id}/attach`, {
        stream: true,
        stdin,
        stdout: true,
        stderr: true,
      });
      const session = stdioSession(socket, { tty: info.Config.Tty, stdin });
      const unfollow = info.Config.Tty
        ? followTerminalSize((h, w) =>
            api.raw('POST', `/containers/${info.Id}/resize`, { query: { h, w } }).then((r) => r.resume()),
          )
        : () => undefined;
      await session.done;
      unfollow();
      const after = await api.json<{ State: { Running: boolean; ExitCode: number } }>(
        'GET',
        `/containers/${info.Id}/json`,
      );
      if (!after.State.Running) process.exitCode = after.State.ExitCode;
    });
}
