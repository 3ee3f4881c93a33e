/** The OCI image config document (application/vnd.oci.image.config.v1+json), as far as we read it. */
export interface ImageConfigDoc {
  created?: string;
  author?: string;
  architecture?: string;
  variant?: string;
  os?: string;
  config?: {
    User?: string;
    ExposedPorts?: Record<string, object> | null;
    Env?: string[] | null;
    Entrypoint?: string[] | null;
    Cmd?: string[] | null;
    Volumes?: Record<string, object> | null;
    WorkingDir?: string;
    Labels?: Record<string, string> | null;
    StopSignal?: string;
    Healthcheck?: unknown;
    OnBuild?: string[] | null;
    Shell?: string[] | null;
  };
  rootfs?: { type?: string; diff_ids?: string[] };
  history?: unknown[];
  comment?: string;
  docker_version?: string;
}

/** Parses and checks a config blob: JSON with rootfs.diff_ids. */
export function parseImageConfig(buf: Buffer, what: string): ImageConfigDoc {
  let doc: ImageConfigDoc;
  try {
    doc = JSON.parse(buf.toString('utf8')) as ImageConfigDoc;
  } catch {
    throw new Error(`${what}: image config is not JSON`);
  }
  if (!doc || typeof doc !== 'object' || !Array.isArray(doc.rootfs?.diff_ids))
    throw new Error(`${what}: image config has no rootfs.diff_ids`);
  return doc;
}
