/**
 * Typed errors with stable codes. The API layer maps each to Docker's status code and the
 * `{"message": "..."}` body; docs/errors.md lists every code.
 */
export class TsswarmError extends Error {
  constructor(
    readonly code: string,
    readonly httpStatus: number,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** 400: a request parameter or body field is invalid. The message names the field. */
export class InvalidArgumentError extends TsswarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TSW_INVALID_ARGUMENT', 400, message, options);
  }
}

/** 401: the registry or the caller's credentials were refused. */
export class UnauthorizedError extends TsswarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TSW_UNAUTHORIZED', 401, message, options);
  }
}

/** 403: the operation is not allowed on this object (e.g. removing a running container without force). */
export class ForbiddenError extends TsswarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TSW_FORBIDDEN', 403, message, options);
  }
}

/** 404: no such object. */
export class NotFoundError extends TsswarmError {
  constructor(kind: string, id: string, options?: { cause?: unknown; message?: string }) {
    super('TSW_NOT_FOUND', 404, options?.message ?? `No such ${kind}: ${id}`, options);
  }
}

/** 409: the object's state forbids the change (name in use, stale version, container running). */
export class ConflictError extends TsswarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TSW_CONFLICT', 409, message, options);
  }
}

/** 304: the object is already in the requested state (start of a started container). */
export class NotModifiedError extends TsswarmError {
  constructor(message = 'not modified') {
    super('TSW_NOT_MODIFIED', 304, message);
  }
}

/** 503: the node cannot serve this now (not a swarm manager, no leader, containerd down). */
export class UnavailableError extends TsswarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TSW_UNAVAILABLE', 503, message, options);
  }
}

/** 500: a fault of ours or of a component we drive (containerd, runc, the kernel). */
export class InternalError extends TsswarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TSW_INTERNAL', 500, message, options);
  }
}

/** Every error class, for the documentation check. */
export const ERROR_CODES = [
  'TSW_INVALID_ARGUMENT',
  'TSW_UNAUTHORIZED',
  'TSW_FORBIDDEN',
  'TSW_NOT_FOUND',
  'TSW_CONFLICT',
  'TSW_NOT_MODIFIED',
  'TSW_UNAVAILABLE',
  'TSW_INTERNAL',
] as const;

/** Maps anything thrown to a TsswarmError, keeping typed errors as they are. */
export function toTsswarmError(err: unknown): TsswarmError {
  if (err instanceof TsswarmError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new InternalError(message, { cause: err });
}
