/**
 * Shows Docker's JSON progress stream: on a terminal one line per layer, redrawn in place;
 * otherwise each status change on its own line.
 */
export class ProgressDisplay {
  private readonly lines = new Map<string, string>();
  private drawn = 0;
  private lastPlain = new Map<string, string>();

  constructor(private readonly out: NodeJS.WriteStream = process.stdout) {}

  update(m: Record<string, unknown>): void {
    if (m.error) throw new Error(String(m.error));
    if (typeof m.stream === 'string') {
      this.out.write(m.stream);
      return;
    }
    const status = String(m.status ?? '');
    const id = m.id ? String(m.id) : '';
    const detail = m.progressDetail as { current?: number; total?: number } | undefined;
    const pct = detail?.total ? ` ${Math.floor((100 * (detail.current ?? 0)) / detail.total)}%` : '';
    if (!id) {
      this.out.write(`${status}\n`);
      return;
    }
    const text = `${id}: ${status}${pct}`;
    if (!this.out.isTTY) {
      if (this.lastPlain.get(id) !== status) this.out.write(`${id}: ${status}\n`);
      this.lastPlain.set(id, status);
      return;
    }
    this.lines.set(id, text);
    if (this.drawn) this.out.write(`\x1b[${this.drawn}A`);
    for (const l of this.lines.values()) this.out.write(`\x1b[2K${l}\n`);
    this.drawn = this.lines.size;
  }
}
