import {
  ConflictError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  TsswarmError,
  UnavailableError,
} from '../../../src/api';
import { GrpcCode, type GrpcFailure } from './grpc-status';

/** Maps a gRPC failure from containerd to our typed errors, naming the method that failed. */
export function fromGrpcError(method: string, err: unknown): TsswarmError {
  const e = err as Partial<GrpcFailure>;
  const detail = e.details || e.message || String(err);
  const message = `containerd ${method}: ${detail}`;
  switch (e.code) {
    case GrpcCode.NOT_FOUND:
      return new NotFoundError('object', method, { message, cause: err });
    case GrpcCode.ALREADY_EXISTS:
    case GrpcCode.FAILED_PRECONDITION:
      return new ConflictError(message, { cause: err });
    case GrpcCode.INVALID_ARGUMENT:
      return new InvalidArgumentError(message, { cause: err });
    case GrpcCode.UNAVAILABLE:
    case GrpcCode.DEADLINE_EXCEEDED:
      return new UnavailableError(message, { cause: err });
    default:
      return new InternalError(message, { cause: err });
  }
}

/** True when containerd said the object does not exist. */
export function isNotFound(err: unknown): boolean {
  return err instanceof NotFoundError;
}

/** True when containerd said the object exists already. */
export function isAlreadyExists(err: unknown): boolean {
  return err instanceof ConflictError;
}
