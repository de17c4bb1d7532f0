/** One error family with stable codes; the server turns it into `{ error: { code, message, field? } }`. */
export interface ErrorDetail {
  code: string;
  message: string;
  field?: string;
}

export interface AppErrorOptions {
  status?: number;
  field?: string;
  details?: ErrorDetail[];
  headers?: Record<string, string>;
  cause?: unknown;
}

export class AppError extends Error {
  readonly code: string;
  readonly status: number;
  readonly field: string | undefined;
  readonly details: ErrorDetail[] | undefined;
  readonly headers: Record<string, string> | undefined;

  constructor(code: string, message: string, options: AppErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.status = options.status ?? 500;
    this.field = options.field;
    this.details = options.details;
    this.headers = options.headers;
  }

  toBody(): { error: ErrorDetail & { details?: ErrorDetail[] } } {
    const error: ErrorDetail & { details?: ErrorDetail[] } = { code: this.code, message: this.message };
    if (this.field !== undefined) error.field = this.field;
    if (this.details !== undefined && this.details.length > 0) error.details = this.details;
    return { error };
  }
}

export class InputError extends AppError {
  constructor(code: string, message: string, options: Omit<AppErrorOptions, 'status'> = {}) {
    super(code, message, { ...options, status: 400 });
  }
}

export class AuthError extends AppError {
  constructor(message: string, code = 'unauthorized') {
    super(code, message, { status: 401, headers: { 'www-authenticate': 'ApiKey' } });
  }
}

export class ForbiddenError extends AppError {
  constructor(message: string, code = 'forbidden') {
    super(code, message, { status: 403 });
  }
}

export class NotFoundError extends AppError {
  constructor(message: string, options: { code?: string; field?: string } = {}) {
    super(options.code ?? 'not_found', message, { status: 404, field: options.field });
  }
}

export class ConflictError extends AppError {
  constructor(message: string, code = 'conflict') {
    super(code, message, { status: 409 });
  }
}

/** Turns a list of field problems into one InputError that names them all. */
export function validationError(details: ErrorDetail[]): InputError {
  const first = details[0];
  if (first === undefined) return new InputError('invalid_input', 'The request is invalid.');
  if (details.length === 1) return new InputError(first.code, first.message, { field: first.field });
  const message = `${details.length} problems: ${details.map((d) => d.message.replace(/\.$/, '')).join('; ')}.`;
  return new InputError('invalid_input', message, { field: first.field, details });
}
