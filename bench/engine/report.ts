/** One measurement, printed as a JSON line. */
export interface Measurement {
  round: number;
  daemon: 'docker' | 'tsswarmd';
  phase: string;
  ms?: number;
  kb?: number;
  [extra: string]: unknown;
}

/** Phases in table order, with their targets (ratio tsswarmd/docker at most this; none: shown only). */
export const PHASES: Array<{ phase: string; target?: number }> = [
  { phase: 'create->running x1', target: 0.5 },
  { phase: 'create->running x50', target: 0.5 },
  { phase: 'stop->removed x1', target: 0.5 },
  { phase: 'stop->removed x50', target: 0.5 },
  { phase: 'pull 5 layers', target: 0.5 },
  { phase: 'rss daemon, 50 running', target: 1.0 },
  { phase: 'rss containerd, 50 running' },
  { phase: 'rss shims (sum), 50 running' },
  { phase: 'rss daemon+containerd+shims' },
  { phase: 'daemon cpu, create->running x50' },
  { phase: 'containerd cpu, create->running x50' },
  { phase: 'daemon cpu, stop->removed x50' },
  { phase: 'containerd cpu, stop->removed x50' },
];

export function phaseName(base: string, many: number): string {
  return base.replace('x50', `x${many}`).replace('50 running', `${many} running`);
}

function median(xs: number[]): number | undefined {
  if (!xs.length) return undefined;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** The closing table: per phase, the median of each daemon, the ratio and whether the target is met. */
export function table(rows: Measurement[], many: number): string {
  const lines = [
    `${'phase'.padEnd(36)} ${'docker'.padStart(10)} ${'tsswarmd'.padStart(10)} ${'ratio'.padStart(6)}  target`,
  ];
  const shown = new Set<string>();
  for (const { phase: base, target } of PHASES) {
    const phase = phaseName(base, many);
    if (shown.has(phase)) continue; // --containers 1: the "many" phases are the single ones
    shown.add(phase);
    const of = (d: string) =>
      median(rows.filter((r) => r.phase === phase && r.daemon === d).map((r) => r.ms ?? r.kb ?? NaN));
    const [dk, ts] = [of('docker'), of('tsswarmd')];
    if (dk === undefined && ts === undefined) continue;
    const unit = phase.startsWith('rss') ? 'MiB' : 'ms';
    const fmt = (v: number | undefined) =>
      v === undefined ? 'n/a' : unit === 'MiB' ? `${(v / 1024).toFixed(1)}MiB` : `${v.toFixed(0)}ms`;
    const ratio = dk && ts !== undefined ? ts / dk : undefined;
    const verdict =
      target === undefined
        ? '-'
        : ratio === undefined
          ? 'n/a'
          : `<= ${target.toFixed(1)} ${ratio <= target ? 'MET' : 'MISSED'}`;
    lines.push(
      `${phase.padEnd(36)} ${fmt(dk).padStart(10)} ${fmt(ts).padStart(10)} ${(ratio === undefined ? 'n/a' : ratio.toFixed(2)).padStart(6)}  ${verdict}`,
    );
  }
  return lines.join('\n');
}
