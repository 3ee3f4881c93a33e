/**
 * The swarm's root CA: made once at `swarm init`, then signs node certificates from CSRs.
 * The CA decides each certificate's subject (node id, role, cluster id); a CSR only proves that
 * the joining node holds the key, so whatever subject it asks for is ignored (as swarmkit does).
 */
import { createPublicKey, X509Certificate, type KeyObject } from 'node:crypto';
import { isIP } from 'node:net';
import { InvalidArgumentError } from '../api';
import {
  authorityKeyIdentifier,
  basicConstraints,
  buildCertificate,
  extKeyUsage,
  keyUsage,
  randomSerial,
  subjectAltName,
  subjectKeyIdentifier,
} from './certificate-builder';
import { certificateDigest, certificateParts, normalizeSerial, toX509 } from './certificate-reader';
import { parseAndVerifyCsr } from './csr';
import { generateNodeKey, keyIdentifier, loadPrivateKey, privateKeyToPem, spkiDer } from './keys';
import { KeyUsageBit, OID } from './oids';
import { toPem } from './pem';
import { assertIdentifier, assertRole, ROLE_OU, ROOT_CA_CN, type NodeRole } from './node-role';
import { encodeName, nodeSubject } from './x509-name';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Default lifetime of a node certificate: 90 days (swarmkit's default NodeCertExpiry). */
export const DEFAULT_NODE_CERT_VALIDITY_MS = 90 * DAY_MS;
/** Lifetime of the root CA certificate: 20 years. */
export const ROOT_CA_VALIDITY_MS = 20 * 365 * DAY_MS;
/** Shortest node certificate lifetime accepted (swarmkit's minimum is 1 hour). */
export const MIN_NODE_CERT_VALIDITY_MS = 60 * 60 * 1000;
/** notBefore is set this far in the past so peers with slightly slow clocks accept a new cert. */
export const BACKDATE_MS = 5 * 60 * 1000;

/** The CA's certificate and key, both PEM. The key must never leave the managers. */
export interface RootCaMaterial {
  readonly certPem: string;
  readonly keyPem: string;
}

/** Options for createRootCa. */
export interface CreateRootCaOptions {
  /** Clock for notBefore/notAfter; default now. */
  readonly now?: Date;
}

/**
 * Makes a new root CA: ECDSA P-256 key, self-signed v3 certificate with CN "swarm-ca",
 * basicConstraints CA:TRUE (critical), keyUsage keyCertSign+cRLSign (critical),
 * subjectKeyIdentifier, valid 20 years.
 */
export function createRootCa(options: CreateRootCaOptions = {}): RootCaMaterial {
  const now = options.now ?? new Date();
  const key = generateNodeKey();
  const spki = spkiDer(key);
  const name = encodeName([{ oid: OID.commonName, value: ROOT_CA_CN }]);
  const der = buildCertificate(
    {
      serial: randomSerial(),
      issuer: name,
      subject: name,
      notBefore: new Date(now.getTime() - BACKDATE_MS),
      notAfter: new Date(now.getTime() + ROOT_CA_VALIDITY_MS),
      subjectPublicKeyInfo: spki,
      extensions: [
        basicConstraints(true),
        keyUsage([KeyUsageBit.keyCertSign, KeyUsageBit.cRLSign]),
        subjectKeyIdentifier(keyIdentifier(spki)),
      ],
    },
    key,
  );
  return { certPem: toPem(der, 'CERTIFICATE'), keyPem: privateKeyToPem(key) };
}

/** What the CA is asked to certify. */
export interface NodeCertificateRequest {
  /** The node's id: the certificate's CN and a DNS SAN. */
  readonly nodeId: string;
  /** Its role: OU swarm-manager or swarm-worker. */
  readonly role: NodeRole;
  /** The cluster's id: the certificate's O. */
  readonly clusterId: string;
  /** Extra IP SANs (e.g. the advertise address); default none. */
  readonly ipAddresses?: readonly string[];
  /** Lifetime in ms; default DEFAULT_NODE_CERT_VALIDITY_MS (90 days), at least 1 hour. */
  readonly validityMs?: number;
  /** Clock; default now. */
  readonly now?: Date;
}

/** An issued node certificate. */
export interface IssuedCertificate {
  readonly certPem: string;
  /** Serial number, normalized lower-case hex (what CertificateRegistry.revokeSerial takes). */
  readonly serial: string;
  readonly notBefore: Date;
  readonly notAfter: Date;
}

/** Signs node certificates with the root CA's key. Holds no other state. */
export class CertificateAuthority {
  /** The CA certificate, PEM. */
  readonly certPem: string;
  /** SHA-256 of the CA certificate DER, lower-case hex (what join tokens pin). */
  readonly digest: string;
  readonly #key: KeyObject;
  readonly #subject: Buffer;
  readonly #keyId: Buffer;
  readonly #notAfter: Date;

  /**
   * @param material the CA certificate and key (PEM). Throws InvalidArgumentError when either is
   * unreadable, the key does not match the certificate, or the certificate is not a CA.
   */
  constructor(material: RootCaMaterial) {
    const cert = toX509(material.certPem, 'ca certificate');
    this.#key = loadPrivateKey(material.keyPem, 'ca key');
    if (!cert.ca) throw new InvalidArgumentError('ca certificate: basicConstraints CA is not set');
    if (!cert.checkPrivateKey(this.#key)) throw new InvalidArgumentError('ca key: does not match the ca certificate');
    const parts = certificateParts(cert);
    this.certPem = material.certPem;
    this.digest = certificateDigest(cert);
    this.#subject = parts.subject;
    this.#keyId = keyIdentifier(parts.subjectPublicKeyInfo);
    this.#notAfter = new Date(cert.validTo);
  }

  /** Makes a new root CA (see createRootCa) and returns it with its key material. */
  static create(options: CreateRootCaOptions = {}): { ca: CertificateAuthority; material: RootCaMaterial } {
    const material = createRootCa(options);
    return { ca: new CertificateAuthority(material), material };
  }

  /**
   * Verifies the CSR's signature and issues a node certificate for `request`: subject
   * O=<clusterId>, OU=<swarm-manager|swarm-worker>, CN=<nodeId>; DNS SANs nodeId, the OU name and
   * the role; IP SANs as given; keyUsage digitalSignature+keyEncipherment; extKeyUsage
   * serverAuth+clientAuth; random 16-byte serial. The lifetime is capped at the CA's own notAfter.
   * Throws InvalidArgumentError naming the field for a bad CSR (including a bad signature) or request.
   */
  issueNodeCertificate(csrPem: string | Buffer, request: NodeCertificateRequest): IssuedCertificate {
    assertIdentifier(request.nodeId, 'nodeId');
    assertRole(request.role);
    assertIdentifier(request.clusterId, 'clusterId');
    const ips = request.ipAddresses ?? [];
    for (const ip of ips) {
      if (isIP(ip) === 0) throw new InvalidArgumentError(`ipAddresses: not an IP address: ${JSON.stringify(ip)}`);
    }
    const validityMs = request.validityMs ?? DEFAULT_NODE_CERT_VALIDITY_MS;
    if (!Number.isFinite(validityMs) || validityMs < MIN_NODE_CERT_VALIDITY_MS) {
      throw new InvalidArgumentError(`validityMs: must be at least ${MIN_NODE_CERT_VALIDITY_MS} (1 hour)`);
    }
    const csr = parseAndVerifyCsr(csrPem);
    const now = request.now ?? new Date();
    const notBefore = new Date(now.getTime() - BACKDATE_MS);
    const notAfter = new Date(Math.min(now.getTime() + validityMs, this.#notAfter.getTime()));
    const ou = ROLE_OU[request.role];
    const serial = randomSerial();
    const der = buildCertificate(
      {
        serial,
        issuer: this.#subject,
        subject: nodeSubject(request.clusterId, ou, request.nodeId),
        notBefore,
        notAfter,
        subjectPublicKeyInfo: csr.subjectPublicKeyInfo,
        extensions: [
          basicConstraints(false),
          keyUsage([KeyUsageBit.digitalSignature, KeyUsageBit.keyEncipherment]),
          extKeyUsage([OID.serverAuth, OID.clientAuth]),
          subjectKeyIdentifier(keyIdentifier(csr.subjectPublicKeyInfo)),
          authorityKeyIdentifier(this.#keyId),
          subjectAltName([request.nodeId, ou, request.role], ips),
        ],
      },
      this.#key,
    );
    const certPem = toPem(der, 'CERTIFICATE');
    return {
      certPem,
      serial: normalizeSerial(serial.toString('hex')),
      notBefore: new Date(Math.floor(notBefore.getTime() / 1000) * 1000),
      notAfter: new Date(Math.floor(notAfter.getTime() / 1000) * 1000),
    };
  }

  /** True when `cert` was signed by this CA's key (no time or revocation checks). */
  signed(cert: string | Buffer | X509Certificate): boolean {
    try {
      return toX509(cert).verify(createPublicKey(this.#key));
    } catch {
      return false;
    }
  }
}
