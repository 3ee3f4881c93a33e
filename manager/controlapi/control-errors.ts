/**
 * The service, task, secret and config API's typed errors. Messages are the ones the Docker
 * daemon passes through from swarmkit's control API ("rpc error: code = ... desc = ..."), so
 * scripts matching Docker's text keep working.
 */
import { TsswarmError } from '../../src/api';

/** Docker's rendering of a swarmkit gRPC status. */
export function rpcMessage(code: string, desc: string): string {
  return `rpc error: code = ${code} desc = ${desc}`;
}

/** 409: creating (or renaming to) a name another service, secret or config has. */
export class NameInUseError extends TsswarmError {
  constructor(desc = 'name conflicts with an existing object', options?: { cause?: unknown }) {
    super('TSW_CONTROL_NAME_IN_USE', 409, rpcMessage('AlreadyExists', desc), options);
  }
}

/** 400: a spec the control API refuses after decoding (swarmkit's InvalidArgument). */
export class InvalidSpecError extends TsswarmError {
  constructor(desc: string) {
    super('TSW_CONTROL_INVALID_SPEC', 400, rpcMessage('InvalidArgument', desc));
  }
}

/** 400: a service referencing secrets or configs that do not exist. */
export class ReferenceNotFoundError extends TsswarmError {
  constructor(kind: 'secret' | 'config', names: string[]) {
    super(
      'TSW_CONTROL_REFERENCE_NOT_FOUND',
      400,
      rpcMessage('InvalidArgument', `${kind}${names.length > 1 ? 's' : ''} not found: ${names.join(', ')}`),
    );
  }
}

/** 404: a service naming a network the swarm does not have. */
export class NetworkNotFoundError extends TsswarmError {
  constructor(ref: string) {
    super('TSW_CONTROL_NETWORK_NOT_FOUND', 404, `network ${ref} not found`);
  }
}

/** 400: a service naming the ingress network among its networks. */
export class IngressAttachError extends TsswarmError {
  constructor(name: string) {
    super(
      'TSW_CONTROL_INGRESS_ATTACH',
      400,
      rpcMessage('InvalidArgument', `Service cannot be explicitly attached to the ingress network "${name}"`),
    );
  }
}

/** 409: removing a secret or config that services still use. */
export class InUseError extends TsswarmError {
  constructor(kind: 'secret' | 'config', name: string, services: string[]) {
    super(
      'TSW_CONTROL_IN_USE',
      409,
      `${kind} ${name} is in use by the following service${services.length > 1 ? 's' : ''}: ${services.join(', ')}`,
    );
  }
}

/** 501: a route this daemon does not serve (yet). */
export class NotImplementedError extends TsswarmError {
  constructor(what: string) {
    super('TSW_CONTROL_NOT_IMPLEMENTED', 501, `not implemented: ${what}`);
  }
}

/** Every control API error code, for the documentation check. */
export const CONTROL_ERROR_CODES = [
  'TSW_CONTROL_NAME_IN_USE',
  'TSW_CONTROL_INVALID_SPEC',
  'TSW_CONTROL_REFERENCE_NOT_FOUND',
  'TSW_CONTROL_NETWORK_NOT_FOUND',
  'TSW_CONTROL_INGRESS_ATTACH',
  'TSW_CONTROL_IN_USE',
  'TSW_CONTROL_NOT_IMPLEMENTED',
] as const;
