/**
 * Replays one simulated schedule and prints its trace:
 *   npm run sim -- --seed N [--messages] [--quiet]
 * Exits 1 when the seed fails an invariant.
 */
import { runSeed, SimFailure } from './simulation';

function main(argv: string[]): number {
  let seed: number | undefined;
  let quiet = false;
  let messages = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--seed') seed = Number(argv[++i]);
    else if (argv[i].startsWith('--seed=')) seed = Number(argv[i].slice(7));
    else if (argv[i] === '--quiet') quiet = true;
    else if (argv[i] === '--messages') messages = true;
    else {
      console.error(`unknown argument: ${argv[i]}\nusage: npm run sim -- --seed N [--messages] [--quiet]`);
      return 2;
    }
  }
  if (seed === undefined || !Number.isInteger(seed) || seed < 0) {
    console.error('usage: npm run sim -- --seed N [--messages] [--quiet]   (--seed must be a non-negative integer)');
    return 2;
  }
  try {
    const stats = runSeed(seed, quiet ? undefined : (line) => console.log(line), messages);
    console.log(`seed ${seed}: ok ${JSON.stringify(stats)}`);
    return 0;
  } catch (e) {
    if (e instanceof SimFailure) {
      console.error(e.message);
      return 1;
    }
    throw e;
  }
}

process.exitCode = main(process.argv.slice(2));
