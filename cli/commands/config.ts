import type { Command } from 'commander';
import type { ApiClient } from '../api-client';
import { registerDataCommands } from './secret';

/** config create, ls, inspect, rm (the secret commands over /configs). */
export function registerConfigCommands(program: Command, client: () => ApiClient): void {
  registerDataCommands(program, client, 'config');
}
