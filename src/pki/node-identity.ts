/** Reads a node's swarm identity (node id, role, cluster id) back from its certificate. */
import { InvalidArgumentError } from '../api';
import { certificateParts, normalizeSerial, toX509, type CertificateInput } from './certificate-reader';
import { OID } from './oids';
import { roleFromOu, type NodeRole } from './node-role';

/** Who a certificate says its holder is. */
export interface NodeIdentity {
  readonly nodeId: string;
  readonly role: NodeRole;
  readonly clusterId: string;
  /** Serial number, normalized lower-case hex. */
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/**
 * The identity in a node certificate's subject (O=cluster, OU=role, CN=node). Throws
 * InvalidArgumentError ("certificate: ...") when the certificate is unreadable or its subject
 * does not hold exactly one of each with a known role.
 */
export function readNodeIdentity(cert: CertificateInput): NodeIdentity {
  const x509 = toX509(cert);
  const attrs = certificateParts(x509).subjectAttributes;
  const one = (oid: string, name: string): string => {
    const values = attrs.filter((a) => a.oid === oid).map((a) => a.value);
    if (values.length !== 1) throw new InvalidArgumentError(`certificate: subject must have exactly one ${name}`);
    return values[0]!;
  };
  const nodeId = one(OID.commonName, 'CN');
  const ou = one(OID.organizationalUnit, 'OU');
  const clusterId = one(OID.organization, 'O');
  const role = roleFromOu(ou);
  if (!role) throw new InvalidArgumentError(`certificate: OU ${JSON.stringify(ou)} is not a swarm role`);
  return {
    nodeId,
    role,
    clusterId,
    serial: normalizeSerial(x509.serialNumber),
    notBefore: new Date(x509.validFrom),
    notAfter: new Date(x509.validTo),
  };
}
