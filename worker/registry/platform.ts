import { NotFoundError } from '../../src/api';
import type { OciDescriptor, Platform } from './media-types';

/** The platform of this host in OCI terms (linux/amd64, linux/arm64, …). */
export function hostPlatform(): Platform {
  const arch: Record<string, string> = {
    x64: 'amd64',
    arm64: 'arm64',
    arm: 'arm',
    ia32: '386',
    ppc64: 'ppc64le',
    s390x: 's390x',
  };
  return { os: 'linux', architecture: arch[process.arch] ?? process.arch };
}

/**
 * Picks the manifest for `want` from an index's entries: same os and architecture, the exact
 * variant preferred, attestation manifests (unknown/unknown) never. Throws NotFoundError naming
 * the platform when none matches.
 */
export function selectPlatformManifest(
  manifests: OciDescriptor[],
  want: Platform = hostPlatform(),
  refForError = 'image',
): OciDescriptor {
  const candidates = manifests.filter(
    (m) =>
      m.platform &&
      m.platform.os === want.os &&
      m.platform.architecture === want.architecture &&
      m.annotations?.['vnd.docker.reference.type'] !== 'attestation-manifest',
  );
  const exact = candidates.find((m) => (m.platform?.variant ?? '') === (want.variant ?? ''));
  const pick = exact ?? candidates[0];
  if (!pick) {
    const p = `${want.os}/${want.architecture}${want.variant ? `/${want.variant}` : ''}`;
    throw new NotFoundError('manifest', refForError, {
      message: `no matching manifest for ${p} in the manifest list entries of ${refForError}`,
    });
  }
  return pick;
}
