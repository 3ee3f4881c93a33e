/**
 * The task runner's typed errors. Their messages become a task's Status.Err, which the
 * managers show in `docker service ps --no-trunc`.
 */
import { TsswarmError } from '../../../src/api';

/** 400: the task cannot be prepared here (image not found, bad spec, a secret not given): it is rejected. */
export class TaskRejectedError extends TsswarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TSW_TASK_REJECTED', 400, message, options);
  }
}

/** 500: the per-task secrets tmpfs could not be mounted or unmounted. */
export class TaskFilesError extends TsswarmError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('TSW_TASK_FILES', 500, message, options);
  }
}

/** Every code of this area, for the documentation check. */
export const TASK_ERROR_CODES = ['TSW_TASK_REJECTED', 'TSW_TASK_FILES'] as const;
