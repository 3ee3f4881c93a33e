/**
 * When a node certificate should be renewed. Like swarmkit, a node renews at a point between 50%
 * and 80% of its certificate's lifetime, picked at random per node so a cluster does not renew
 * all at once.
 *
 * Renewal always makes a new key (createRenewalRequest): a leaked old key then stops being useful
 * when its certificate expires, and the CA needs nothing special to tell a renewal from a join.
 */
import { InvalidArgumentError } from '../api';
import { toX509, type CertificateInput } from './certificate-reader';
import { createCsr, type CsrWithKey } from './csr';

/** Earliest fraction of the lifetime at which renewal starts. */
export const RENEWAL_MIN_FRACTION = 0.5;
/** Latest fraction of the lifetime at which renewal starts. */
export const RENEWAL_MAX_FRACTION = 0.8;

/** A renewal fraction uniformly in [0.5, 0.8]; `random` returns a number in [0, 1). */
export function pickRenewalFraction(random: () => number = Math.random): number {
  return RENEWAL_MIN_FRACTION + (RENEWAL_MAX_FRACTION - RENEWAL_MIN_FRACTION) * random();
}

function checkFraction(fraction: number): void {
  if (!(fraction >= RENEWAL_MIN_FRACTION && fraction <= RENEWAL_MAX_FRACTION)) {
    throw new InvalidArgumentError(
      `fraction: must be within [${RENEWAL_MIN_FRACTION}, ${RENEWAL_MAX_FRACTION}], got ${fraction}`,
    );
  }
}

/** The instant at which `fraction` of the certificate's lifetime has passed. */
export function renewalTime(cert: CertificateInput, fraction = RENEWAL_MAX_FRACTION): Date {
  checkFraction(fraction);
  const x509 = toX509(cert);
  const from = new Date(x509.validFrom).getTime();
  const to = new Date(x509.validTo).getTime();
  return new Date(from + (to - from) * fraction);
}

/**
 * True when the certificate should be renewed at `now`: `fraction` (0.5..0.8, default 0.8) of its
 * lifetime has passed, or it has expired. Pass pickRenewalFraction() once per node for jitter.
 */
export function needsRenewal(cert: CertificateInput, now: Date = new Date(), fraction = RENEWAL_MAX_FRACTION): boolean {
  return now.getTime() >= renewalTime(cert, fraction).getTime();
}

/** A CSR for renewing a node certificate, always with a fresh key (see the file comment). */
export function createRenewalRequest(nodeId?: string): CsrWithKey {
  return createCsr(nodeId === undefined ? {} : { commonName: nodeId });
}
