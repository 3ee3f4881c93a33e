import { runCommand } from './run-command';

/** Splits one iptables-save rule line into arguments (double quotes with backslash escapes). */
export function splitRule(line: string): string[] {
  const out: string[] = [];
  let cur = '';
  let inWord = false;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const ch = line[i];
    if (quoted) {
      if (ch === '\\' && i + 1 < line.length) cur += line[++i];
      else if (ch === '"') quoted = false;
      else cur += ch;
    } else if (ch === '"') {
      quoted = true;
      inWord = true;
    } else if (ch === ' ') {
      if (inWord) out.push(cur);
      cur = '';
      inWord = false;
    } else {
      cur += ch;
      inWord = true;
    }
  }
  if (inWord) out.push(cur);
  return out;
}

/**
 * The nat rules CNI's bridge plugin tagged for one container (comment `name: "NET" id: "ID"`)
 * and the per-container chains they jump to, from an iptables-save dump.
 */
export function findContainerRules(
  dump: string,
  network: string,
  containerId: string,
): { rules: string[][]; chains: string[] } {
  const tag = `name: "${network}" id: "${containerId}"`;
  const rules: string[][] = [];
  const chains = new Set<string>();
  for (const line of dump.split('\n')) {
    if (!line.startsWith('-A ')) continue;
    const args = splitRule(line);
    const c = args.indexOf('--comment');
    if (c < 0 || args[c + 1] !== tag) continue;
    rules.push(args.slice(1));
    const j = args.indexOf('-j');
    const target = j >= 0 ? args[j + 1] : '';
    if (/^CNI-[0-9a-f]{24}$/.test(target)) chains.add(target);
  }
  return { rules, chains: [...chains] };
}

/**
 * Removes the masquerade rules the bridge plugin leaves when DEL runs without the namespace
 * (it reads the addresses to untag from eth0, which went with the namespace).
 */
export async function sweepContainerNatRules(network: string, containerId: string): Promise<number> {
  const dump = await runCommand('iptables-save', ['-t', 'nat']);
  if (dump.code !== 0) return 0;
  const { rules, chains } = findContainerRules(dump.stdout, network, containerId);
  // Jumps first (they live in POSTROUTING), then the rules inside the per-container chains.
  const ordered = [...rules].sort((x, y) => Number(chains.includes(x[0])) - Number(chains.includes(y[0])));
  for (const r of ordered) await runCommand('iptables', ['-w', '-t', 'nat', '-D', ...r]);
  for (const chain of chains) {
    await runCommand('iptables', ['-w', '-t', 'nat', '-F', chain]);
    await runCommand('iptables', ['-w', '-t', 'nat', '-X', chain]);
  }
  return rules.length;
}
