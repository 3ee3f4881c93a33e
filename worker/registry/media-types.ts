/** Manifest and layer media types the client and the image service understand. */
export const MediaTypes = {
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerLayer: 'application/vnd.docker.image.rootfs.diff.tar',
  dockerForeignLayerGzip: 'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
} as const;

/** The Accept header of a manifest request: every manifest and index type, in Docker's order. */
export const MANIFEST_ACCEPT = [
  MediaTypes.dockerManifest,
  MediaTypes.dockerManifestList,
  MediaTypes.ociManifest,
  MediaTypes.ociIndex,
].join(', ');

export function isIndexType(mediaType: string | undefined): boolean {
  return mediaType === MediaTypes.dockerManifestList || mediaType === MediaTypes.ociIndex;
}

export function isManifestType(mediaType: string | undefined): boolean {
  return mediaType === MediaTypes.dockerManifest || mediaType === MediaTypes.ociManifest;
}

/** An OCI descriptor as manifests carry it. */
export interface OciDescriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  platform?: Platform;
  urls?: string[];
}

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
}

/** An image manifest (Docker schema2 or OCI). */
export interface ImageManifest {
  schemaVersion: 2;
  mediaType?: string;
  config: OciDescriptor;
  layers: OciDescriptor[];
  annotations?: Record<string, string>;
}

/** A manifest list or OCI index. */
export interface ImageIndex {
  schemaVersion: 2;
  mediaType?: string;
  manifests: OciDescriptor[];
  annotations?: Record<string, string>;
}

/** The media type of a parsed manifest document, from its field or its shape. */
export function documentMediaType(doc: { mediaType?: string; manifests?: unknown; config?: unknown }): string {
  if (doc.mediaType) return doc.mediaType;
  return Array.isArray(doc.manifests) ? MediaTypes.ociIndex : MediaTypes.ociManifest;
}
