/** Renders rows as docker's left-aligned tables: columns three spaces apart. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i] + 3)))
      .join('')
      .trimEnd();
  return [line(headers), ...rows.map(line)].join('\n') + '\n';
}

/** 1.2MB, 4.5kB: docker's decimal sizes. */
export function humanSize(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let v = bytes;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toPrecision(3).replace(/\.?0+$/, '')}${units[i]}`;
}

/** "5 seconds ago", "About a minute ago", as docker's CREATED column. */
export function since(unixSeconds: number, now = Date.now()): string {
  const s = Math.max(0, Math.round(now / 1000 - unixSeconds));
  if (s < 1) return 'Less than a second ago';
  if (s < 60) return `${s} second${s === 1 ? '' : 's'} ago`;
  const m = Math.round(s / 60);
  if (m < 60) return m === 1 ? 'About a minute ago' : `${m} minutes ago`;
  const h = Math.round(m / 60);
  if (h < 48) return h === 1 ? 'About an hour ago' : `${h} hours ago`;
  return `${Math.round(h / 24)} days ago`;
}

/** Cuts a string to n characters with an ellipsis, as docker truncates COMMAND. */
export function truncate(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/**
 * A small subset of Go templates for --format: {{.Field}}, {{.A.B}}, {{json .}}, {{json .Field}},
 * with `\t` and `\n` escapes; "json" alone prints each object as JSON.
 */
export function formatTemplate(tpl: string, obj: Record<string, unknown>): string {
  if (tpl === 'json' || tpl === '{{json .}}') return JSON.stringify(obj);
  const get = (p: string) =>
    p === '.'
      ? obj
      : p
          .replace(/^\./, '')
          .split('.')
          .reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], obj);
  return tpl
    .replace(/\\t/g, '\t')
    .replace(/\\n/g, '\n')
    .replace(/\{\{\s*(json\s+)?([.\w]+)\s*\}\}/g, (_m, isJson: string | undefined, p: string) => {
      const v = get(p);
      if (isJson) return JSON.stringify(v);
      if (v === undefined || v === null) return '<no value>';
      return typeof v === 'object' ? JSON.stringify(v) : String(v);
    });
}
