import { release } from 'node:os';
import { z } from 'zod';
import { InvalidArgumentError } from '../../../src/api';

const ACTIONS = [
  'SCMP_ACT_KILL',
  'SCMP_ACT_KILL_PROCESS',
  'SCMP_ACT_KILL_THREAD',
  'SCMP_ACT_TRAP',
  'SCMP_ACT_ERRNO',
  'SCMP_ACT_TRACE',
  'SCMP_ACT_ALLOW',
  'SCMP_ACT_LOG',
  'SCMP_ACT_NOTIFY',
] as const;
const OPS = [
  'SCMP_CMP_NE',
  'SCMP_CMP_LT',
  'SCMP_CMP_LE',
  'SCMP_CMP_EQ',
  'SCMP_CMP_GE',
  'SCMP_CMP_GT',
  'SCMP_CMP_MASKED_EQ',
] as const;

const filterSchema = z
  .object({
    caps: z.array(z.string()).nullish(),
    arches: z.array(z.string()).nullish(),
    minKernel: z.string().nullish(),
  })
  .strip();

/** A seccomp profile in Docker's format (what `--security-opt seccomp=FILE` sends). */
export const seccompProfileSchema = z
  .object({
    defaultAction: z.enum(ACTIONS),
    defaultErrnoRet: z.number().int().min(0).nullish(),
    architectures: z.array(z.string()).nullish(),
    archMap: z
      .array(z.object({ architecture: z.string(), subArchitectures: z.array(z.string()).nullish() }).strip())
      .nullish(),
    syscalls: z
      .array(
        z
          .object({
            name: z.string().nullish(),
            names: z.array(z.string()).nullish(),
            action: z.enum(ACTIONS),
            errnoRet: z.number().int().min(0).nullish(),
            args: z
              .array(
                z
                  .object({
                    index: z.number().int().min(0).max(5),
                    value: z.number().int().min(0),
                    valueTwo: z.number().int().min(0).nullish(),
                    op: z.enum(OPS),
                  })
                  .strip(),
              )
              .nullish(),
            includes: filterSchema.nullish(),
            excludes: filterSchema.nullish(),
          })
          .strip(),
      )
      .nullish(),
  })
  .strip();

export type SeccompProfile = z.infer<typeof seccompProfileSchema>;

/** Parses the JSON of a custom profile; the error says what is wrong with it. */
export function parseSeccompProfile(json: string): SeccompProfile {
  let raw: unknown;
  try {
    raw = JSON.parse(json);
  } catch (err) {
    throw new InvalidArgumentError(`Decoding seccomp profile failed: ${(err as Error).message}`);
  }
  const r = seccompProfileSchema.safeParse(raw);
  if (!r.success) {
    const issue = r.error.issues[0];
    throw new InvalidArgumentError(`Decoding seccomp profile failed: ${issue.path.join('.')}: ${issue.message}`);
  }
  for (const s of r.data.syscalls ?? [])
    if (!s.name && !s.names?.length)
      throw new InvalidArgumentError('Decoding seccomp profile failed: a syscall rule names no syscall');
  return r.data;
}

const EPERM = 1;
const ENOSYS = 38;
/** clone(2) flags that make a namespace. */
const CLONE_NAMESPACE_FLAGS = [0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000];

/** Syscalls refused unless the container holds one of the capabilities named with them. */
const GATED: Array<[caps: string[], names: string[]]> = [
  [
    ['CAP_SYS_ADMIN'],
    [
      'mount',
      'umount',
      'umount2',
      'pivot_root',
      'setns',
      'unshare',
      'swapon',
      'swapoff',
      'quotactl',
      'quotactl_fd',
      'fanotify_init',
      'lookup_dcookie',
      'open_tree',
      'move_mount',
      'fsopen',
      'fsconfig',
      'fsmount',
      'fspick',
      'mount_setattr',
      'userfaultfd',
    ],
  ],
  [['CAP_SYS_ADMIN', 'CAP_BPF'], ['bpf']],
  [['CAP_SYS_ADMIN', 'CAP_PERFMON'], ['perf_event_open']],
  [['CAP_SYS_MODULE'], ['init_module', 'finit_module', 'delete_module']],
  [['CAP_SYS_BOOT'], ['reboot', 'kexec_load', 'kexec_file_load']],
  [['CAP_SYS_TIME'], ['settimeofday', 'stime', 'clock_settime', 'clock_settime64', 'clock_adjtime']],
  [['CAP_SYS_PACCT'], ['acct']],
  [['CAP_SYS_RAWIO'], ['iopl', 'ioperm']],
  [['CAP_SYS_PTRACE'], ['process_vm_readv', 'process_vm_writev', 'kcmp', 'pidfd_getfd']],
  [['CAP_SYS_NICE'], ['mbind', 'set_mempolicy', 'move_pages', 'migrate_pages']],
  [['CAP_DAC_READ_SEARCH'], ['open_by_handle_at']],
  [['CAP_SYSLOG'], ['syslog']],
];

/** Syscalls no container gets: kernel keyrings and io_uring are not namespaced; the rest are obsolete. */
const REFUSED = [
  'add_key',
  'keyctl',
  'request_key',
  'io_uring_setup',
  'io_uring_enter',
  'io_uring_register',
  'uselib',
  'nfsservctl',
  'create_module',
  'get_kernel_syms',
  'query_module',
  '_sysctl',
  'sysfs',
  'ustat',
  'vm86',
  'vm86old',
];

/**
 * The profile containers run with unless told otherwise. It refuses (EPERM) what Docker's
 * default profile refuses: kernel facilities a container does not own (modules, clock, keyrings,
 * kexec, BPF, perf, accounting) and what makes namespaces or mounts, each unless the container
 * holds the capability that grants it. It is a list of refusals over a default of allow, where
 * Docker's is a list of grants over a default of refuse: a syscall newer than this list works
 * in a container, as it does outside one, instead of failing with EPERM.
 */
export function defaultSeccompProfile(): SeccompProfile {
  const deny = (names: string[], excludeCaps?: string[]) => ({
    names,
    action: 'SCMP_ACT_ERRNO' as const,
    errnoRet: EPERM,
    ...(excludeCaps ? { excludes: { caps: excludeCaps } } : {}),
  });
  return {
    defaultAction: 'SCMP_ACT_ALLOW',
    archMap: [
      { architecture: 'SCMP_ARCH_X86_64', subArchitectures: ['SCMP_ARCH_X86', 'SCMP_ARCH_X32'] },
      { architecture: 'SCMP_ARCH_AARCH64', subArchitectures: ['SCMP_ARCH_ARM'] },
    ],
    syscalls: [
      deny(REFUSED),
      ...GATED.map(([caps, names]) => deny(names, caps)),
      // clone3 passes its flags in memory, where a filter cannot read them: ENOSYS makes libc
      // fall back to clone, whose flags are checked below.
      { names: ['clone3'], action: 'SCMP_ACT_ERRNO', errnoRet: ENOSYS, excludes: { caps: ['CAP_SYS_ADMIN'] } },
      ...CLONE_NAMESPACE_FLAGS.map((flag) => ({
        names: ['clone'],
        action: 'SCMP_ACT_ERRNO' as const,
        errnoRet: EPERM,
        args: [{ index: 0, value: flag, valueTwo: flag, op: 'SCMP_CMP_MASKED_EQ' as const }],
        excludes: { caps: ['CAP_SYS_ADMIN'], arches: ['s390', 's390x'] },
      })),
    ],
  };
}

/** Docker's architecture names for libseccomp's, as profiles' includes/excludes name them. */
const ARCH_NAMES: Record<string, string> = { x64: 'amd64', arm64: 'arm64', ia32: '386', arm: 'arm' };
const NATIVE_SCMP_ARCH: Record<string, string> = { x64: 'SCMP_ARCH_X86_64', arm64: 'SCMP_ARCH_AARCH64' };

function kernelAtLeast(min: string, kernel: string): boolean {
  const parse = (v: string) => v.split(/[.-]/).map((p) => Number.parseInt(p, 10) || 0);
  const [a, b] = [parse(kernel), parse(min)];
  for (let i = 0; i < Math.max(a.length, b.length); i++)
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  return true;
}

/**
 * The OCI `linux.seccomp` section for `profile`, as it applies to a container holding `caps`
 * on this host's architecture and kernel: rules are kept or dropped by their includes/excludes.
 */
export function ociSeccomp(
  profile: SeccompProfile,
  caps: string[],
  host: { arch: string; kernel: string } = { arch: process.arch, kernel: release() },
): Record<string, unknown> {
  const arch = ARCH_NAMES[host.arch] ?? host.arch;
  const held = new Set(caps);
  const applies = (s: NonNullable<SeccompProfile['syscalls']>[number]) => {
    const inc = s.includes;
    if (inc?.caps?.length && !inc.caps.every((c) => held.has(c))) return false;
    if (inc?.arches?.length && !inc.arches.includes(arch)) return false;
    if (inc?.minKernel && !kernelAtLeast(inc.minKernel, host.kernel)) return false;
    const exc = s.excludes;
    if (exc?.caps?.some((c) => held.has(c))) return false;
    if (exc?.arches?.includes(arch)) return false;
    return true;
  };
  let architectures = profile.architectures ?? [];
  if (!architectures.length && profile.archMap?.length) {
    const native = NATIVE_SCMP_ARCH[host.arch];
    const m = profile.archMap.find((a) => a.architecture === native);
    if (m) architectures = [m.architecture, ...(m.subArchitectures ?? [])];
  }
  return {
    defaultAction: profile.defaultAction,
    ...(profile.defaultErrnoRet != null ? { defaultErrnoRet: profile.defaultErrnoRet } : {}),
    ...(architectures.length ? { architectures } : {}),
    syscalls: (profile.syscalls ?? []).filter(applies).map((s) => ({
      names: s.names?.length ? s.names : [s.name!],
      action: s.action,
      ...(s.errnoRet != null ? { errnoRet: s.errnoRet } : {}),
      ...(s.args?.length
        ? { args: s.args.map((a) => ({ index: a.index, value: a.value, valueTwo: a.valueTwo ?? 0, op: a.op })) }
        : {}),
    })),
  };
}
