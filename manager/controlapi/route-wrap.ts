/** Express glue shared by the control API's routers. */
import type { Request, Response } from 'express';
import { InvalidArgumentError, parseIntParam } from '../../src/api';
import { NameConflictError } from '../../src/store';
import { NameInUseError } from './control-errors';

type Handler = (req: Request, res: Response) => Promise<void>;

/** An async handler whose rejection goes to express's error handler. */
export const wrap =
  (h: Handler) =>
  (req: Request, res: Response, next: (err?: unknown) => void): void => {
    h(req, res).catch(next);
  };

/** `?version=`, which every update must carry (Docker's optimistic concurrency). */
export function requiredVersion(req: Request, what: string): number {
  const v = parseIntParam('version', req.query.version);
  if (v === undefined) throw new InvalidArgumentError(`invalid ${what} version: version is required`);
  return v;
}

/** Runs a store write, turning the store's name conflict into Docker's AlreadyExists. */
export async function withNameCheck<T>(write: () => Promise<T>, desc?: string): Promise<T> {
  try {
    return await write();
  } catch (err) {
    if (err instanceof NameConflictError) throw new NameInUseError(desc, { cause: err });
    throw err;
  }
}

export const param = (req: Request, name: string): string => String(req.params[name]);
