/**
 * Kubernetes `Status` error bodies, byte for byte as the API server writes them
 * (k8s.io/apimachinery/pkg/api/errors): field order kind, apiVersion, metadata, status, message,
 * reason, details, code. Handlers throw an `ApiError`; the server turns it into the response.
 */

/** The resource an error names: `deployments.apps`, or `pods` for the core group. */
export interface GroupResource {
  readonly group: string;
  readonly resource: string;
}

export interface StatusCause {
  readonly reason: string;
  readonly message: string;
  readonly field: string;
}

export interface StatusDetails {
  readonly name?: string;
  readonly group?: string;
  readonly kind?: string;
  readonly causes?: readonly StatusCause[];
}

export interface StatusBody {
  readonly kind: 'Status';
  readonly apiVersion: 'v1';
  readonly metadata: Record<string, never>;
  readonly status: 'Failure';
  readonly message: string;
  readonly reason?: string;
  readonly details?: StatusDetails;
  readonly code: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string | undefined,
    message: string,
    readonly details?: StatusDetails,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  get body(): StatusBody {
    return {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      ...(this.reason === undefined ? {} : { reason: this.reason }),
      ...(this.details === undefined ? {} : { details: this.details }),
      code: this.code,
    };
  }
}

/** `deployments.apps`, or just `pods` for the core group. */
export function qualified(gr: GroupResource): string {
  return gr.group === '' ? gr.resource : `${gr.resource}.${gr.group}`;
}

/** details as the server fills them: name, then group (both omitted when empty), then kind. */
function details(group: string, kind: string, name: string, causes?: StatusCause[]): StatusDetails {
  const d: { name?: string; group?: string; kind?: string; causes?: StatusCause[] } = {};
  if (name !== '') d.name = name;
  if (group !== '') d.group = group;
  d.kind = kind;
  if (causes) d.causes = causes;
  return d;
}

export function notFound(gr: GroupResource, name: string): ApiError {
  return new ApiError(
    404,
    'NotFound',
    `${qualified(gr)} "${name}" not found`,
    details(gr.group, gr.resource, name),
  );
}

export function conflict(gr: GroupResource, name: string): ApiError {
  return new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(gr)} "${name}": the object has been modified; ` +
      'please apply your changes to the latest version and try again',
    details(gr.group, gr.resource, name),
  );
}

export function alreadyExists(gr: GroupResource, name: string): ApiError {
  return new ApiError(
    409,
    'AlreadyExists',
    `${qualified(gr)} "${name}" already exists`,
    details(gr.group, gr.resource, name),
  );
}

/** 403; `reason` is the authorizer's sentence ("User \"u\" cannot patch resource ..."). */
export function forbidden(gr: GroupResource, name: string, reason: string): ApiError {
  const subject = name === '' ? qualified(gr) : `${qualified(gr)} "${name}"`;
  return new ApiError(
    403,
    'Forbidden',
    `${subject} is forbidden: ${reason}`,
    details(gr.group, gr.resource, name),
  );
}

/** 403 for a request that names no resource (a path such as /metrics). */
export function forbiddenPath(user: string, verb: string, path: string): ApiError {
  return new ApiError(403, 'Forbidden', `forbidden: User "${user}" cannot ${verb} path "${path}"`, {});
}

export function unauthorized(): ApiError {
  return new ApiError(401, 'Unauthorized', 'Unauthorized');
}

export function badRequest(message: string): ApiError {
  return new ApiError(400, 'BadRequest', message);
}

/** One field's problem, as `field.Error` renders it. */
export interface FieldError {
  readonly reason:
    'FieldValueInvalid' | 'FieldValueRequired' | 'FieldValueForbidden' | 'FieldValueNotSupported';
  readonly field: string;
  /** The error body without the field: `Invalid value: -1: must be greater than or equal to 0`. */
  readonly message: string;
}

/** `field.Invalid`: the value as Go's %v prints it (strings quoted). */
export function fieldInvalid(field: string, value: unknown, detail: string): FieldError {
  const shown = typeof value === 'string' ? JSON.stringify(value) : (JSON.stringify(value) ?? 'null');
  return { reason: 'FieldValueInvalid', field, message: `Invalid value: ${shown}: ${detail}` };
}

export function fieldRequired(field: string, detail = ''): FieldError {
  return {
    reason: 'FieldValueRequired',
    field,
    message: detail === '' ? 'Required value' : `Required value: ${detail}`,
  };
}

export function fieldForbidden(field: string, detail: string): FieldError {
  return { reason: 'FieldValueForbidden', field, message: `Forbidden: ${detail}` };
}

/** 422 Invalid (`errors.NewInvalid`): one error inline, several in brackets. */
export function invalid(
  kind: { readonly group: string; readonly kind: string },
  name: string,
  errors: readonly FieldError[],
): ApiError {
  const qualifiedKind = kind.group === '' ? kind.kind : `${kind.kind}.${kind.group}`;
  const rendered = errors.map((e) => `${e.field}: ${e.message}`);
  const summary = rendered.length === 1 ? (rendered[0] as string) : `[${rendered.join(', ')}]`;
  const causes = errors.map((e) => ({ reason: e.reason, message: e.message, field: e.field }));
  return new ApiError(
    422,
    'Invalid',
    `${qualifiedKind} "${name}" is invalid: ${summary}`,
    details(kind.group, kind.kind, name, causes),
  );
}

/** 422 for a JSON Patch that cannot be applied to the object. */
export function unprocessable(message: string): ApiError {
  return new ApiError(422, 'Invalid', message, {});
}

/** 415 for a PATCH whose Content-Type is none of the patch types (no details, as the server does). */
export function unsupportedMediaType(accepted: readonly string[]): ApiError {
  return new ApiError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: ${accepted.join(', ')}`,
  );
}

export function methodNotAllowed(): ApiError {
  return new ApiError(
    405,
    'MethodNotAllowed',
    'the server does not allow this method on the requested resource',
    {},
  );
}

export function pathNotFound(): ApiError {
  return new ApiError(404, 'NotFound', 'the server could not find the requested resource', {});
}

export function gone(message: string): ApiError {
  return new ApiError(410, 'Expired', message);
}

export function internal(message: string): ApiError {
  return new ApiError(500, 'InternalError', `Internal error occurred: ${message}`, {
    causes: [{ reason: '', message, field: '' }],
  });
}
