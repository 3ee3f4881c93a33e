import { rename as renameCallback, writeFile as writeFileCallback } from 'node:fs';
import { promisify } from 'node:util';

// fs's callback forms: fewer event-loop turns per call than fs/promises' FileHandle path, which
// counts when 50 containers start or stop at once.

/** Writes a file of a few KiB (created or replaced) on the thread pool. */
export const writeSmallFile = promisify(writeFileCallback);

/** rename(2) on the thread pool. */
export const renameFile = promisify(renameCallback);
