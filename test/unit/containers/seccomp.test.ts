import assert from 'node:assert/strict';
import {
  allCapabilities,
  buildOciSpec,
  capabilities,
  defaultSeccompProfile,
  ociSeccomp,
  parseContainerCreate,
  parseSecurityOpts,
} from '../../../worker/engine/containers';

type Rule = { names: string[]; action: string; errnoRet?: number; args?: unknown[] };
const X64 = { arch: 'x64', kernel: '6.1.0' };

function refused(seccomp: Record<string, unknown>, name: string): boolean {
  return (seccomp.syscalls as Rule[]).some((r) => r.names.includes(name) && r.action === 'SCMP_ACT_ERRNO');
}

const baseSpec = {
  args: ['sh'],
  env: [],
  cwd: '/',
  uid: 0,
  gid: 0,
  additionalGids: [],
  terminal: false,
  hostname: 'h',
  netnsPath: '',
  mounts: [],
  cgroupsPath: '/t/x',
};

describe('seccomp and security options', () => {
  it('the default profile refuses mounts, namespaces, keyrings and modules to a container with the default capabilities', () => {
    const s = ociSeccomp(defaultSeccompProfile(), capabilities(), X64);
    assert.equal(s.defaultAction, 'SCMP_ACT_ALLOW');
    assert.deepEqual(s.architectures, ['SCMP_ARCH_X86_64', 'SCMP_ARCH_X86', 'SCMP_ARCH_X32']);
    for (const n of ['mount', 'unshare', 'setns', 'keyctl', 'init_module', 'bpf', 'clock_settime', 'io_uring_setup'])
      assert.ok(refused(s, n), n);
    for (const n of ['read', 'ptrace', 'chroot', 'socket']) assert.ok(!refused(s, n), n);
    const clone = (s.syscalls as Rule[]).filter((r) => r.names.includes('clone'));
    assert.equal(clone.length, 7, 'one rule per namespace flag');
    assert.deepEqual(clone[0].args, [{ index: 0, value: 0x20000, valueTwo: 0x20000, op: 'SCMP_CMP_MASKED_EQ' }]);
    const clone3 = (s.syscalls as Rule[]).find((r) => r.names.includes('clone3'));
    assert.equal(clone3?.errnoRet, 38, 'ENOSYS, so that libc falls back to clone');
  });

  it('a capability the container holds lifts the refusals it grants', () => {
    const s = ociSeccomp(defaultSeccompProfile(), capabilities(['SYS_ADMIN', 'SYS_TIME']), X64);
    for (const n of ['mount', 'unshare', 'setns', 'clock_settime', 'bpf']) assert.ok(!refused(s, n), n);
    assert.ok(!(s.syscalls as Rule[]).some((r) => r.names.includes('clone') || r.names.includes('clone3')));
    assert.ok(refused(s, 'keyctl') && refused(s, 'init_module'));
    assert.deepEqual(
      ociSeccomp(defaultSeccompProfile(), capabilities(), { arch: 'arm64', kernel: '6.1' }).architectures,
      ['SCMP_ARCH_AARCH64', 'SCMP_ARCH_ARM'],
    );
  });

  it('reads a custom profile in Docker format: includes and excludes by capability, arch and kernel', () => {
    const opts = parseSecurityOpts([
      `seccomp=${JSON.stringify({
        defaultAction: 'SCMP_ACT_ERRNO',
        defaultErrnoRet: 1,
        architectures: ['SCMP_ARCH_X86_64'],
        syscalls: [
          { names: ['read', 'write'], action: 'SCMP_ACT_ALLOW' },
          { name: 'mount', action: 'SCMP_ACT_ALLOW', includes: { caps: ['CAP_SYS_ADMIN'] } },
          { names: ['ptrace'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '4.8' } },
          { names: ['newer'], action: 'SCMP_ACT_ALLOW', includes: { minKernel: '7.0' } },
          { names: ['personality'], action: 'SCMP_ACT_ALLOW', args: [{ index: 0, value: 8, op: 'SCMP_CMP_EQ' }] },
          { names: ['arm_only'], action: 'SCMP_ACT_ALLOW', includes: { arches: ['arm64'] } },
        ],
      })}`,
    ]);
    assert.equal(opts.seccomp.mode, 'custom');
    if (opts.seccomp.mode !== 'custom') return;
    const s = ociSeccomp(opts.seccomp.profile, capabilities(), X64);
    assert.equal(s.defaultErrnoRet, 1);
    const names = (s.syscalls as Rule[]).flatMap((r) => r.names);
    assert.deepEqual(names, ['read', 'write', 'ptrace', 'personality']);
    const pers = (s.syscalls as Rule[]).find((r) => r.names[0] === 'personality');
    assert.deepEqual(pers?.args, [{ index: 0, value: 8, valueTwo: 0, op: 'SCMP_CMP_EQ' }]);
    const admin = ociSeccomp(opts.seccomp.profile, capabilities(['SYS_ADMIN']), X64);
    assert.ok((admin.syscalls as Rule[]).some((r) => r.names[0] === 'mount'));
  });

  it('parses SecurityOpt as Docker does, and refuses what it does not know with a 400', () => {
    assert.deepEqual(parseSecurityOpts(undefined), { seccomp: { mode: 'default' }, noNewPrivileges: false });
    assert.deepEqual(parseSecurityOpts(['seccomp=unconfined', 'no-new-privileges']), {
      seccomp: { mode: 'unconfined' },
      noNewPrivileges: true,
    });
    assert.equal(parseSecurityOpts(['seccomp:unconfined', 'no-new-privileges=false']).noNewPrivileges, false);
    assert.equal(parseSecurityOpts(['apparmor=unconfined', 'label=disable']).seccomp.mode, 'default');
    const bad: Array<[string, RegExp]> = [
      ['nonsense', /invalid --security-opt 1: "nonsense"/],
      ['foo=bar', /invalid --security-opt 2: "foo=bar"/],
      ['no-new-privileges=maybe', /invalid --security-opt 2/],
      ['seccomp={not json', /Decoding seccomp profile failed/],
      ['seccomp={"defaultAction":"SCMP_ACT_NOPE"}', /Decoding seccomp profile failed: defaultAction/],
      ['seccomp={"defaultAction":"SCMP_ACT_ALLOW","syscalls":[{"action":"SCMP_ACT_ERRNO"}]}', /names no syscall/],
    ];
    for (const [opt, re] of bad)
      assert.throws(
        () => parseContainerCreate({ Image: 'x', HostConfig: { SecurityOpt: [opt] } }),
        (e: { httpStatus: number; message: string }) => e.httpStatus === 400 && re.test(e.message),
        opt,
      );
  });

  it('the OCI spec: the default profile unless unconfined or privileged; privileged holds every capability', () => {
    const linux = (s: Record<string, unknown>) => s.linux as Record<string, unknown>;
    const proc = (s: Record<string, unknown>) =>
      s.process as { noNewPrivileges: boolean; capabilities: { bounding: string[] } };
    const plain = buildOciSpec(baseSpec);
    assert.ok(linux(plain).seccomp);
    assert.equal(proc(plain).noNewPrivileges, false);
    assert.equal(linux(buildOciSpec({ ...baseSpec, securityOpt: ['seccomp=unconfined'] })).seccomp, undefined);
    const priv = buildOciSpec({ ...baseSpec, privileged: true });
    assert.equal(linux(priv).seccomp, undefined);
    assert.deepEqual(proc(priv).capabilities.bounding, allCapabilities());
    assert.ok(allCapabilities().includes('CAP_SYS_ADMIN'));
    assert.deepEqual(capabilities(['ALL']), allCapabilities());
    assert.equal(proc(buildOciSpec({ ...baseSpec, securityOpt: ['no-new-privileges'] })).noNewPrivileges, true);
  });
});
