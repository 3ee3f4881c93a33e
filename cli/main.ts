#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { ApiClient, DaemonError } from './api-client';
import { registerContainerCommands } from './commands/containers';
import { registerImageCommands } from './commands/images';
import { registerNodeCommands } from './commands/node';
import { registerConfigCommands } from './commands/config';
import { registerNetworkCommands } from './commands/network';
import { registerSecretCommands } from './commands/secret';
import { registerServiceCommands } from './commands/service';
import { registerStackCommands } from './commands/stack';
import { registerSwarmCommands } from './commands/swarm';
import { registerSystemCommands } from './commands/system';
import { resolveEndpoint, type GlobalOptions } from './context-store';

const collect = (v: string, prev: string[] = []) => [...prev, v];

/** The tsswarm command line. */
export function buildProgram(): Command {
  const program = new Command('tsswarm')
    .description('A client for tsswarm daemons (and any Docker Engine API)')
    .option('-H, --host <address>', 'Daemon socket to connect to (unix:///path or tcp://host:port)', collect)
    .option('-c, --context <name>', 'Name of the context to use (overrides TSSWARM_HOST and "context use")')
    .option('--tls', 'Use TLS; implied by --tlsverify')
    .option('--tlsverify', 'Use TLS and verify the remote')
    .option('--tlscacert <file>', 'Trust certs signed only by this CA')
    .option('--tlscert <file>', 'Path to TLS certificate file')
    .option('--tlskey <file>', 'Path to TLS key file')
    .enablePositionalOptions()
    .showHelpAfterError();
  const globals = () => program.opts<GlobalOptions>();
  let client: ApiClient | undefined;
  const getClient = () => (client ??= new ApiClient(resolveEndpoint(globals())));
  registerSystemCommands(program, getClient, globals);
  registerContainerCommands(program, getClient);
  registerImageCommands(program, getClient);
  registerSwarmCommands(program, getClient);
  registerNodeCommands(program, getClient);
  registerServiceCommands(program, getClient);
  registerNetworkCommands(program, getClient);
  registerSecretCommands(program, getClient);
  registerConfigCommands(program, getClient);
  registerStackCommands(program, getClient);
  return program;
}

async function main(): Promise<void> {
  const program = buildProgram();
  program.exitOverride();
  try {
    await program.parseAsync(process.argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
      return;
    }
    const run = process.argv[2] === 'run' || process.argv[2] === 'create';
    if (err instanceof DaemonError) {
      process.stderr.write(err.status ? `Error response from daemon: ${err.message}\n` : `${err.message}\n`);
      process.exitCode = run ? 125 : 1;
    } else {
      process.stderr.write(`Error: ${(err as Error).message}\n`);
      process.exitCode = run ? 125 : 1;
    }
  }
}

if (require.main === module) void main();
