/** X.501 Names: the subject and issuer of certificates and requests (RFC 5280 §4.1.2.4). */
import { children, expectTag, oid, readOid, readString, sequence, set, Tag, utf8String, type DerNode } from './der';
import { OID } from './oids';

/** One attribute of a Name, e.g. { oid: OID.commonName, value: 'node1' }. */
export interface NameAttribute {
  readonly oid: string;
  readonly value: string;
}

/** Encodes a Name with one attribute per RDN, in the given order, values as UTF8String. */
export function encodeName(attributes: readonly NameAttribute[]): Buffer {
  return sequence(...attributes.map((a) => set(sequence(oid(a.oid), utf8String(a.value)))));
}

/** The swarm subject: O=<cluster id>, OU=<role>, CN=<node id>, in that order (as swarmkit). */
export function nodeSubject(clusterId: string, ouRole: string, nodeId: string): Buffer {
  return encodeName([
    { oid: OID.organization, value: clusterId },
    { oid: OID.organizationalUnit, value: ouRole },
    { oid: OID.commonName, value: nodeId },
  ]);
}

/** Reads a Name node back into its attributes (multi-valued RDNs are flattened). */
export function parseName(node: DerNode): NameAttribute[] {
  const out: NameAttribute[] = [];
  for (const rdn of children(expectTag(node, Tag.SEQUENCE, 'Name'))) {
    for (const atv of children(expectTag(rdn, Tag.SET, 'RelativeDistinguishedName'))) {
      const [type, value] = children(expectTag(atv, Tag.SEQUENCE, 'AttributeTypeAndValue'));
      out.push({ oid: readOid(expectTag(type, Tag.OID, 'attribute type')), value: readString(value!) });
    }
  }
  return out;
}
