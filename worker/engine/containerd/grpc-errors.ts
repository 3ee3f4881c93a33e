import { status as GrpcStatus, type ServiceError } from '@grpc/grpc-js';
import {
  ConflictError,
  InternalError,
  InvalidArgumentError,
  NotFoundError,
  TsswarmError,
  UnavailableError,
} from '../../../src/api';

/** Maps a gRPC failure from containerd to our typed errors, naming the method that failed. */
export function fromGrpcError(method: string, err: unknown): TsswarmError {
  const e = err as Partial<ServiceError>;
  const detail = e.details || e.message || String(err);
  const message = `containerd ${method}: ${detail}`;
  switch (e.code) {
    case GrpcStatus.NOT_FOUND:
      return new NotFoundError('object', method, { message, cause: err });
    case GrpcStatus.ALREADY_EXISTS:
    case GrpcStatus.FAILED_PRECONDITION:
      return new ConflictError(message, { cause: err });
    case GrpcStatus.INVALID_ARGUMENT:
      return new InvalidArgumentError(message, { cause: err });
    case GrpcStatus.UNAVAILABLE:
    case GrpcStatus.DEADLINE_EXCEEDED:
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
