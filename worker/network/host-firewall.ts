import { runCommand, runChecked } from './run-command';

/**
 * FORWARD rules letting a bridge's traffic through even when the filter policy is DROP (as
 * dockerd sets it): everything from the bridge (egress, container to container), replies to it,
 * and connections DNATed to it (published ports). Same spirit as Docker's rules for docker0.
 */
function forwardRules(bridgeName: string): string[][] {
  const tag = ['-m', 'comment', '--comment', `tsswarm bridge ${bridgeName}`];
  return [
    ['-i', bridgeName, ...tag, '-j', 'ACCEPT'],
    ['-o', bridgeName, '-m', 'conntrack', '--ctstate', 'RELATED,ESTABLISHED', ...tag, '-j', 'ACCEPT'],
    ['-o', bridgeName, '-m', 'conntrack', '--ctstate', 'DNAT', ...tag, '-j', 'ACCEPT'],
  ];
}

/** Inserts the rules at the top of FORWARD unless present; idempotent. */
export async function ensureForwardRules(bridgeName: string): Promise<void> {
  for (const rule of forwardRules(bridgeName).reverse()) {
    const check = await runCommand('iptables', ['-w', '-t', 'filter', '-C', 'FORWARD', ...rule]);
    if (check.code !== 0) await runChecked('iptables', ['-w', '-t', 'filter', '-I', 'FORWARD', '1', ...rule]);
  }
}

/** Deletes every copy of the rules; idempotent. */
export async function removeForwardRules(bridgeName: string): Promise<void> {
  for (const rule of forwardRules(bridgeName)) {
    for (let i = 0; i < 16; i++) {
      const r = await runCommand('iptables', ['-w', '-t', 'filter', '-D', 'FORWARD', ...rule]);
      if (r.code !== 0) break;
    }
  }
}

function isolationRule(from: string, to: string): string[] {
  return [
    '-i',
    from,
    '-o',
    to,
    '-m',
    'conntrack',
    '!',
    '--ctstate',
    'DNAT',
    '-m',
    'comment',
    '--comment',
    `tsswarm isolate ${from} ${to}`,
    '-j',
    'DROP',
  ];
}

/**
 * Separates two bridge networks as Docker does: no traffic from one to the other, except
 * connections to published ports (DNATed). Inserted above the accept rules; idempotent.
 */
export async function ensureIsolation(a: string, b: string): Promise<void> {
  for (const rule of [isolationRule(a, b), isolationRule(b, a)]) {
    const check = await runCommand('iptables', ['-w', '-t', 'filter', '-C', 'FORWARD', ...rule]);
    if (check.code !== 0) await runChecked('iptables', ['-w', '-t', 'filter', '-I', 'FORWARD', '1', ...rule]);
  }
}

/** Deletes the isolation rules between two bridges; idempotent. */
export async function removeIsolation(a: string, b: string): Promise<void> {
  for (const rule of [isolationRule(a, b), isolationRule(b, a)]) {
    for (let i = 0; i < 16; i++) {
      const r = await runCommand('iptables', ['-w', '-t', 'filter', '-D', 'FORWARD', ...rule]);
      if (r.code !== 0) break;
    }
  }
}
