import { readFileSync } from 'node:fs';
import { defaultSeccompProfile, ociSeccomp } from './seccomp-profile';
import { parseSecurityOpts } from './security-opts';

const DEFAULT_SECCOMP = defaultSeccompProfile();

/** Docker's default capability set for containers. */
export const DEFAULT_CAPS = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_FSETID',
  'CAP_FOWNER',
  'CAP_MKNOD',
  'CAP_NET_RAW',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETFCAP',
  'CAP_SETPCAP',
  'CAP_NET_BIND_SERVICE',
  'CAP_SYS_CHROOT',
  'CAP_KILL',
  'CAP_AUDIT_WRITE',
];

/** Every capability, in the kernel's order (CAP_CHOWN is 0); a privileged container holds those this kernel knows. */
const CAPS_BY_NUMBER = [
  'CAP_CHOWN',
  'CAP_DAC_OVERRIDE',
  'CAP_DAC_READ_SEARCH',
  'CAP_FOWNER',
  'CAP_FSETID',
  'CAP_KILL',
  'CAP_SETGID',
  'CAP_SETUID',
  'CAP_SETPCAP',
  'CAP_LINUX_IMMUTABLE',
  'CAP_NET_BIND_SERVICE',
  'CAP_NET_BROADCAST',
  'CAP_NET_ADMIN',
  'CAP_NET_RAW',
  'CAP_IPC_LOCK',
  'CAP_IPC_OWNER',
  'CAP_SYS_MODULE',
  'CAP_SYS_RAWIO',
  'CAP_SYS_CHROOT',
  'CAP_SYS_PTRACE',
  'CAP_SYS_PACCT',
  'CAP_SYS_ADMIN',
  'CAP_SYS_BOOT',
  'CAP_SYS_NICE',
  'CAP_SYS_RESOURCE',
  'CAP_SYS_TIME',
  'CAP_SYS_TTY_CONFIG',
  'CAP_MKNOD',
  'CAP_LEASE',
  'CAP_AUDIT_WRITE',
  'CAP_AUDIT_CONTROL',
  'CAP_SETFCAP',
  'CAP_MAC_OVERRIDE',
  'CAP_MAC_ADMIN',
  'CAP_SYSLOG',
  'CAP_WAKE_ALARM',
  'CAP_BLOCK_SUSPEND',
  'CAP_AUDIT_READ',
  'CAP_PERFMON',
  'CAP_BPF',
  'CAP_CHECKPOINT_RESTORE',
];

function kernelCaps(): string[] {
  try {
    const last = Number(readFileSync('/proc/sys/kernel/cap_last_cap', 'utf8'));
    if (Number.isInteger(last)) return CAPS_BY_NUMBER.slice(0, last + 1).sort();
  } catch {
    // no procfs: the list as it stands
  }
  return [...CAPS_BY_NUMBER].sort();
}

let allCaps: string[] | undefined;

/** What a privileged container holds: every capability this kernel knows. */
export function allCapabilities(): string[] {
  return (allCaps ??= kernelCaps());
}

const MASKED_PATHS = [
  '/proc/asound',
  '/proc/acpi',
  '/proc/kcore',
  '/proc/keys',
  '/proc/latency_stats',
  '/proc/timer_list',
  '/proc/timer_stats',
  '/proc/sched_debug',
  '/proc/scsi',
  '/sys/firmware',
];
const READONLY_PATHS = ['/proc/bus', '/proc/fs', '/proc/irq', '/proc/sys', '/proc/sysrq-trigger'];

/** Device nodes every container gets (type c, major, minor), as runc's defaults. */
const DEFAULT_DEVICES: Array<[string, number, number]> = [
  ['/dev/null', 1, 3],
  ['/dev/zero', 1, 5],
  ['/dev/full', 1, 7],
  ['/dev/random', 1, 8],
  ['/dev/urandom', 1, 9],
  ['/dev/tty', 5, 0],
];

export interface OciMount {
  destination: string;
  type: string;
  source: string;
  options: string[];
}

export interface SpecInput {
  args: string[];
  env: string[];
  cwd: string;
  uid: number;
  gid: number;
  additionalGids: number[];
  terminal: boolean;
  hostname: string;
  /** Network namespace path; null joins the host's network namespace, '' makes a new one. */
  netnsPath: string | null;
  /** The container's own files (/etc/hosts, /etc/hostname, /etc/resolv.conf) and user mounts. */
  mounts: OciMount[];
  cgroupsPath: string;
  memoryBytes?: number;
  nanoCpus?: number;
  cpuShares?: number;
  cpuQuota?: number;
  cpuPeriod?: number;
  pidsLimit?: number;
  capAdd?: string[];
  capDrop?: string[];
  privileged?: boolean;
  readonlyRootfs?: boolean;
  /** HostConfig.SecurityOpt, already validated. */
  securityOpt?: readonly string[];
  /** OCI annotations (the runc shim reads its grouping from them). */
  annotations?: Record<string, string>;
}

function normalizeCap(c: string): string {
  const u = c.toUpperCase();
  return u.startsWith('CAP_') ? u : `CAP_${u}`;
}

/** The capability set after --cap-add/--cap-drop ("ALL" works both ways, as in Docker). */
export function capabilities(add: string[] = [], drop: string[] = []): string[] {
  let caps = new Set(DEFAULT_CAPS);
  const addN = add.map(normalizeCap);
  const dropN = drop.map(normalizeCap);
  if (dropN.includes('CAP_ALL')) caps = new Set();
  if (addN.includes('CAP_ALL')) caps = new Set(allCapabilities());
  for (const c of addN) if (c !== 'CAP_ALL') caps.add(c);
  for (const c of dropN) caps.delete(c);
  return [...caps].sort();
}

/** The OCI runtime spec runc runs the container's init process from. The rootfs comes as task mounts. */
export function buildOciSpec(s: SpecInput): Record<string, unknown> {
  const caps = s.privileged ? allCapabilities() : capabilities(s.capAdd, s.capDrop);
  const security = parseSecurityOpts(s.securityOpt);
  const seccomp =
    s.privileged || security.seccomp.mode === 'unconfined'
      ? undefined
      : ociSeccomp(security.seccomp.mode === 'custom' ? security.seccomp.profile : DEFAULT_SECCOMP, caps);
  const namespaces: Array<Record<string, string>> = [
    { type: 'pid' },
    { type: 'ipc' },
    { type: 'uts' },
    { type: 'mount' },
  ];
  if (s.netnsPath) namespaces.push({ type: 'network', path: s.netnsPath });
  else if (s.netnsPath === '') namespaces.push({ type: 'network' });
  const resources: Record<string, unknown> = {
    devices: [
      { allow: false, access: 'rwm' },
      ...DEFAULT_DEVICES.map(([, major, minor]) => ({ allow: true, type: 'c', major, minor, access: 'rwm' })),
      { allow: true, type: 'c', major: 5, minor: 2, access: 'rwm' }, // /dev/ptmx
      { allow: true, type: 'c', major: 136, access: 'rwm' }, // /dev/pts/*
    ],
  };
  if (s.memoryBytes) resources.memory = { limit: s.memoryBytes };
  const cpu: Record<string, number> = {};
  if (s.nanoCpus) {
    cpu.period = 100_000;
    cpu.quota = Math.round((s.nanoCpus / 1e9) * 100_000);
  }
  if (s.cpuQuota) cpu.quota = s.cpuQuota;
  if (s.cpuPeriod) cpu.period = s.cpuPeriod;
  if (s.cpuShares) cpu.shares = s.cpuShares;
  if (Object.keys(cpu).length) resources.cpu = cpu;
  if (s.pidsLimit && s.pidsLimit > 0) resources.pids = { limit: s.pidsLimit };

  return {
    ociVersion: '1.0.2',
    process: {
      terminal: s.terminal,
      user: { uid: s.uid, gid: s.gid, additionalGids: s.additionalGids.length ? s.additionalGids : undefined },
      args: s.args,
      env: s.env,
      cwd: s.cwd || '/',
      capabilities: { bounding: caps, effective: caps, permitted: caps },
      noNewPrivileges: security.noNewPrivileges,
    },
    root: { path: 'rootfs', readonly: s.readonlyRootfs ?? false },
    hostname: s.hostname,
    ...(s.annotations ? { annotations: s.annotations } : {}),
    mounts: [
      { destination: '/proc', type: 'proc', source: 'proc', options: ['nosuid', 'noexec', 'nodev'] },
      {
        destination: '/dev',
        type: 'tmpfs',
        source: 'tmpfs',
        options: ['nosuid', 'strictatime', 'mode=755', 'size=65536k'],
      },
      {
        destination: '/dev/pts',
        type: 'devpts',
        source: 'devpts',
        options: ['nosuid', 'noexec', 'newinstance', 'ptmxmode=0666', 'mode=0620', 'gid=5'],
      },
      {
        destination: '/dev/shm',
        type: 'tmpfs',
        source: 'shm',
        options: ['nosuid', 'noexec', 'nodev', 'mode=1777', 'size=65536k'],
      },
      { destination: '/dev/mqueue', type: 'mqueue', source: 'mqueue', options: ['nosuid', 'noexec', 'nodev'] },
      { destination: '/sys', type: 'sysfs', source: 'sysfs', options: ['nosuid', 'noexec', 'nodev', 'ro'] },
      {
        destination: '/sys/fs/cgroup',
        type: 'cgroup',
        source: 'cgroup',
        options: ['nosuid', 'noexec', 'nodev', 'relatime', 'ro'],
      },
      ...s.mounts,
    ],
    linux: {
      namespaces,
      cgroupsPath: s.cgroupsPath,
      resources,
      devices: DEFAULT_DEVICES.map(([path, major, minor]) => ({
        path,
        type: 'c',
        major,
        minor,
        fileMode: 0o666,
        uid: 0,
        gid: 0,
      })),
      maskedPaths: s.privileged ? [] : MASKED_PATHS,
      readonlyPaths: s.privileged ? [] : READONLY_PATHS,
      ...(seccomp ? { seccomp } : {}),
    },
  };
}

/** Entrypoint + Cmd as Docker combines them: the container's Cmd replaces the image's only when given. */
export function processArgs(
  image: { Entrypoint?: string[] | null; Cmd?: string[] | null },
  body: { Entrypoint?: string[] | string | null; Cmd?: string[] | string | null },
): string[] {
  const asList = (v: string[] | string | null | undefined) => (typeof v === 'string' ? [v] : (v ?? undefined));
  const bodyEntry = asList(body.Entrypoint);
  const entry = bodyEntry !== undefined ? bodyEntry : (image.Entrypoint ?? []);
  // Docker drops the image's Cmd when the entrypoint is overridden.
  const cmd = asList(body.Cmd) ?? (bodyEntry !== undefined ? [] : (image.Cmd ?? []));
  return [...entry, ...cmd];
}

/** Env of the image, overridden key by key by the container's. */
export function mergeEnv(imageEnv: string[] = [], env: string[] = []): string[] {
  const out = new Map<string, string>();
  for (const e of [...imageEnv, ...env]) {
    const k = e.split('=')[0];
    out.set(k, e);
  }
  return [...out.values()];
}

/** The PATH a process gets when neither the image nor the container sets one (Docker's default). */
export const DEFAULT_PATH_ENV = 'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The environment of a container's process, as Docker builds it at start: PATH and HOSTNAME
 * first, then the container's env (image's merged with its own) overriding them key by key.
 * Without the default PATH an image with no Env (docker import) cannot find `sh`.
 */
export function processEnv(env: string[], hostname: string): string[] {
  return mergeEnv([DEFAULT_PATH_ENV, `HOSTNAME=${hostname}`], env);
}

/** Resolves "user", "user:group", "uid:gid" against a root filesystem's /etc/passwd and /etc/group. */
export function resolveUser(
  user: string,
  passwd: string,
  group: string,
): { uid: number; gid: number; additionalGids: number[] } {
  const [u = '', g] = user.split(':');
  const pw = passwd.split('\n').map((l) => l.split(':'));
  const gr = group.split('\n').map((l) => l.split(':'));
  let uid = 0;
  let gid = 0;
  let name = 'root';
  if (u === '') {
    uid = 0;
  } else if (/^\d+$/.test(u)) {
    uid = Number(u);
    const ent = pw.find((p) => Number(p[2]) === uid && p.length >= 4);
    if (ent) {
      gid = Number(ent[3]);
      name = ent[0];
    }
  } else {
    const ent = pw.find((p) => p[0] === u && p.length >= 4);
    if (!ent) throw new Error(`unable to find user ${u}: no matching entries in passwd file`);
    uid = Number(ent[2]);
    gid = Number(ent[3]);
    name = ent[0];
  }
  if (g !== undefined && g !== '') {
    if (/^\d+$/.test(g)) gid = Number(g);
    else {
      const ent = gr.find((x) => x[0] === g);
      if (!ent) throw new Error(`unable to find group ${g}: no matching entries in group file`);
      gid = Number(ent[2]);
    }
  }
  const additionalGids = gr
    .filter((x) => x.length >= 4 && x[3].split(',').includes(name) && Number(x[2]) !== gid)
    .map((x) => Number(x[2]));
  return { uid, gid, additionalGids };
}
