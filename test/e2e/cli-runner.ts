/** Runs the stock docker CLI or ours as a user would, for the e2e tier. */
import { execFileSync, spawn } from 'node:child_process';
import * as path from 'node:path';

export interface Out {
  code: number;
  stdout: string;
  stderr: string;
}

/** Our CLI, as built next to the tests. */
export const TSSWARM = path.join(__dirname, '../../cli/main.js');

/** Runs `bin` with `input` (if any) piped into its stdin, killed after `ms`. */
export function runCli(bin: string, args: string[], env: NodeJS.ProcessEnv, input = '', ms = 60_000): Promise<Out> {
  return new Promise((resolve) => {
    const child = spawn(bin, args, { env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => child.kill('SIGKILL'), ms);
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code: code ?? 1, stdout, stderr });
    });
    child.stdin.end(input);
  });
}

/** The docker CLI's path, or undefined when it is not installed. */
export function dockerBinary(): string | undefined {
  try {
    return execFileSync('sh', ['-c', 'command -v docker'], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}
