/** gRPC status codes we name (numbers are facts of the wire format). */
export const GrpcCode = {
  OK: 0,
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  ALREADY_EXISTS: 6,
  FAILED_PRECONDITION: 9,
  INTERNAL: 13,
  UNAVAILABLE: 14,
} as const;

/** A failed call: the status code and the peer's (or our) message. */
export interface GrpcFailure extends Error {
  code: number;
  details: string;
}

export function grpcFailure(code: number, details: string): GrpcFailure {
  return Object.assign(new Error(`${code}: ${details}`), { code, details });
}

/** The status a response's headers or trailers carry, if they carry one. */
export function statusOf(headers: Record<string, unknown>): { code: number; details: string } | undefined {
  const status = headers['grpc-status'];
  if (status === undefined) return undefined;
  const raw = headers['grpc-message'];
  const text = String(Array.isArray(raw) ? raw[0] : (raw ?? ''));
  let details = text;
  try {
    details = decodeURIComponent(text);
  } catch {
    /* not percent-encoded after all: shown as sent */
  }
  return { code: Number(status), details };
}

/** What a stream that closed before its status came failed with: a reset by the peer, or a bare end. */
export function closedWithoutStatus(rstCode: number | undefined): GrpcFailure {
  return grpcFailure(
    GrpcCode.UNAVAILABLE,
    rstCode ? `stream reset (HTTP/2 code ${rstCode})` : 'stream closed without a status',
  );
}
