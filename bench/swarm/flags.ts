/** Command-line flags of the swarm benchmark. */
export interface SwarmBenchFlags {
  /** Rounds of compare.sh (docker, tsswarmd, docker, ...). */
  rounds: number;
  /** Extra node options for tsswarmd, beside its shebang's (e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof"). */
  tsswarmdNodeArgs: string[];
  /** A folder to copy tsswarmd's log into before the temp folder goes. */
  keepLog?: string;
}

export const USAGE = `usage: npm run bench:swarm -- [--rounds N] [--tsswarmd-node-args "ARGS"] [--keep-log DIR]
`;

export function parseSwarmFlags(argv: string[]): SwarmBenchFlags {
  const f: SwarmBenchFlags = { rounds: 3, tsswarmdNodeArgs: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const v = argv[i + 1];
    switch (a) {
      case '--rounds': {
        const n = Number(v);
        if (!Number.isInteger(n) || n < 1) throw new Error(`--rounds: want an integer >= 1, got ${v}`);
        f.rounds = n;
        i++;
        break;
      }
      case '--tsswarmd-node-args':
        f.tsswarmdNodeArgs = (v ?? '').split(/\s+/).filter(Boolean);
        i++;
        break;
      case '--keep-log':
        if (!v) throw new Error('--keep-log: want a folder');
        f.keepLog = v;
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
