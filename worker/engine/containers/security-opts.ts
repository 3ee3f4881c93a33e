import { InvalidArgumentError } from '../../../src/api';
import { parseSeccompProfile, type SeccompProfile } from './seccomp-profile';

export type SeccompChoice = { mode: 'default' } | { mode: 'unconfined' } | { mode: 'custom'; profile: SeccompProfile };

export interface SecurityOptions {
  seccomp: SeccompChoice;
  noNewPrivileges: boolean;
}

const TRUE_WORDS = new Set(['1', 't', 'T', 'true', 'TRUE', 'True']);
const FALSE_WORDS = new Set(['0', 'f', 'F', 'false', 'FALSE', 'False']);

/**
 * HostConfig.SecurityOpt as Docker reads it: "seccomp=unconfined|builtin|<profile JSON>",
 * "no-new-privileges[=true|false]", and "apparmor=…"/"label=…", which name facilities this
 * host does not enforce and are kept but have no effect. "key:value" is the old spelling.
 */
export function parseSecurityOpts(opts: readonly string[] | null | undefined): SecurityOptions {
  const out: SecurityOptions = { seccomp: { mode: 'default' }, noNewPrivileges: false };
  for (const opt of opts ?? []) {
    if (opt === 'no-new-privileges') {
      out.noNewPrivileges = true;
      continue;
    }
    const sep = /[=:]/.exec(opt);
    if (!sep) throw new InvalidArgumentError(`invalid --security-opt 1: ${JSON.stringify(opt)}`);
    const key = opt.slice(0, sep.index);
    const value = opt.slice(sep.index + 1);
    switch (key) {
      case 'seccomp':
        if (value === 'unconfined') out.seccomp = { mode: 'unconfined' };
        else if (value === 'builtin' || value === '') out.seccomp = { mode: 'default' };
        else out.seccomp = { mode: 'custom', profile: parseSeccompProfile(value) };
        break;
      case 'no-new-privileges':
        if (TRUE_WORDS.has(value)) out.noNewPrivileges = true;
        else if (FALSE_WORDS.has(value)) out.noNewPrivileges = false;
        else throw new InvalidArgumentError(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
        break;
      case 'apparmor':
      case 'label':
        break;
      default:
        throw new InvalidArgumentError(`invalid --security-opt 2: ${JSON.stringify(opt)}`);
    }
  }
  return out;
}
