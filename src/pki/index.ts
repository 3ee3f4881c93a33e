/**
 * src/pki: the swarm's certificate authority, node certificates, join tokens, peer checks for
 * mutual TLS and credential files. Pure library code (node:crypto, node:tls types, node:fs for
 * the credentials store); no project imports beyond src/api errors.
 */
export * from './der';
export { OID, KeyUsageBit } from './oids';
export { toPem, fromPem } from './pem';
export { generateNodeKey, privateKeyToPem, loadPrivateKey, spkiDer, keyIdentifier } from './keys';
export { encodeName, nodeSubject, parseName, type NameAttribute } from './x509-name';
export { buildCertificate, randomSerial, ipToBytes, type CertificateFields } from './certificate-builder';
export {
  toX509,
  certificateParts,
  certificateDigest,
  normalizeSerial,
  type CertificateInput,
  type CertificateParts,
} from './certificate-reader';
export { createCsr, parseAndVerifyCsr, type CsrWithKey, type CreateCsrOptions, type ParsedCsr } from './csr';
export { type NodeRole, ROLE_OU, ROOT_CA_CN, roleFromOu, assertRole, assertIdentifier } from './node-role';
export { generateNodeId } from './node-id';
export {
  CertificateAuthority,
  createRootCa,
  DEFAULT_NODE_CERT_VALIDITY_MS,
  ROOT_CA_VALIDITY_MS,
  MIN_NODE_CERT_VALIDITY_MS,
  BACKDATE_MS,
  type RootCaMaterial,
  type CreateRootCaOptions,
  type NodeCertificateRequest,
  type IssuedCertificate,
} from './certificate-authority';
export { readNodeIdentity, type NodeIdentity } from './node-identity';
export {
  needsRenewal,
  renewalTime,
  pickRenewalFraction,
  createRenewalRequest,
  RENEWAL_MIN_FRACTION,
  RENEWAL_MAX_FRACTION,
} from './renewal';
export {
  JOIN_TOKEN_PREFIX,
  JOIN_TOKEN_DIGEST_LENGTH,
  JOIN_TOKEN_SECRET_LENGTH,
  JOIN_TOKEN_LENGTH,
  generateJoinToken,
  parseJoinToken,
  createJoinTokens,
  rotateJoinTokens,
  tokensEqual,
  matchJoinToken,
  verifyCaAgainstToken,
  type ParsedJoinToken,
  type JoinTokens,
} from './join-token';
export { CertificateRegistry, type CertificateRegistryState } from './certificate-registry';
export {
  authorizePeer,
  tlsOptionsFor,
  verifyTlsPeer,
  authorizedConnection,
  type NodeCredentials,
  type PeerPolicy,
  type NodeTlsOptions,
} from './tls-options';
export { saveNodeCredentials, loadNodeCredentials, hasNodeCredentials, CREDENTIAL_FILES } from './credentials-store';
