/** Command-line flags of the engine benchmark. */
export interface BenchFlags {
  rounds: number;
  /** Containers in the "many" phases. */
  many: number;
  /** Parallel create+start (and stop+remove) chains in the "many" phases. */
  concurrency: number;
  /** Loopback port of the bench's docker-registry. */
  registryPort: number;
  /** Seconds given to POST /containers/{id}/stop?t=. */
  stopTimeout: number;
  /** Run one side only (for profiling): docker, tsswarmd or both. */
  only: 'docker' | 'tsswarmd' | 'both';
  /** Extra node options for tsswarmd, beside its shebang's (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). */
  tsswarmdNodeArgs: string[];
}

export const USAGE = `usage: npm run bench:engine -- [--rounds N] [--containers N] [--concurrency N] [--registry-port PORT]
       [--stop-timeout SECS] [--only docker|tsswarmd] [--tsswarmd-node-args "ARGS"]
`;

export function parseFlags(argv: string[]): BenchFlags {
  const f: BenchFlags = {
    rounds: 3,
    many: 50,
    concurrency: 10,
    registryPort: 5056,
    stopTimeout: 5,
    only: 'both',
    tsswarmdNodeArgs: [],
  };
  const int = (name: string, v: string | undefined, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`${name}: want an integer >= ${min}, got ${v}`);
    return n;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    switch (a) {
      case '--rounds':
        f.rounds = int(a, v, 1);
        i++;
        break;
      case '--containers':
        f.many = int(a, v, 1);
        i++;
        break;
      case '--concurrency':
        f.concurrency = int(a, v, 1);
        i++;
        break;
      case '--registry-port':
        f.registryPort = int(a, v, 1);
        i++;
        break;
      case '--stop-timeout':
        f.stopTimeout = int(a, v, 0);
        i++;
        break;
      case '--only':
        if (v !== 'docker' && v !== 'tsswarmd') throw new Error(`--only: docker or tsswarmd, got ${v}`);
        f.only = v;
        i++;
        break;
      case '--tsswarmd-node-args':
        f.tsswarmdNodeArgs = (v ?? '').split(/\s+/).filter(Boolean);
        i++;
        break;
      case '-h':
      case '--help':
        process.stdout.write(USAGE);
        process.exit(0);
        break;
      default:
        throw new Error(`unknown flag ${a}\n${USAGE}`);
    }
  }
  return f;
}
