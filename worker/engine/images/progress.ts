/** Docker's JSON progress message ({"status","id","progressDetail"} …). */
export type ProgressMessage = Record<string, unknown>;
export type ProgressFn = (m: ProgressMessage) => void;

/** Docker's short layer id in progress lines: the first 12 hex digits of the digest. */
export function shortId(digest: string): string {
  return digest.replace(/^sha256:/, '').slice(0, 12);
}

/** A counter that reports "Downloading"/"Pushing" at most every `stepBytes` and at the end. */
export function byteProgress(
  on: ProgressFn | undefined,
  status: string,
  id: string,
  total: number,
  stepBytes = 256 * 1024,
): (n: number) => void {
  let current = 0;
  let last = -1;
  return (n: number) => {
    current += n;
    if (!on) return;
    if (current - last >= stepBytes || current >= total) {
      last = current;
      on({ status, progressDetail: { current, total }, id });
    }
  };
}
