// API errors and their wire form: metav1.Status as upstream's apimachinery/pkg/api/errors builds it
// (staging/src/k8s.io/apimachinery/pkg/api/errors/errors.go). Clients (kubectl, client-go, kgen-boot)
// branch on `reason` and `code`, so the shape and messages follow upstream.

export interface GroupResource {
  group: string;
  resource: string;
}

export interface StatusBody {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  details?: { name?: string; group?: string; kind?: string };
  code: number;
}

export class ApiError extends Error {
  constructor(
    readonly code: number,
    readonly reason: string,
    message: string,
    readonly details?: StatusBody['details'],
  ) {
    super(message);
  }

  toStatus(): StatusBody {
    const body: StatusBody = { kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: this.message, reason: this.reason, code: this.code };
    if (this.details) body.details = this.details;
    return body;
  }
}

/** "resource.group", or "resource" for the core group (schema.GroupResource.String()). */
function qualified(gr: GroupResource): string {
  return gr.group ? `${gr.resource}.${gr.group}` : gr.resource;
}

function details(gr: GroupResource, name: string): StatusBody['details'] {
  const d: NonNullable<StatusBody['details']> = {};
  if (name) d.name = name;
  if (gr.group) d.group = gr.group;
  d.kind = gr.resource;
  return d;
}

export const notFound = (gr: GroupResource, name: string): ApiError =>
  new ApiError(404, 'NotFound', `${qualified(gr)} "${name}" not found`, details(gr, name));

export const alreadyExists = (gr: GroupResource, name: string): ApiError =>
  new ApiError(409, 'AlreadyExists', `${qualified(gr)} "${name}" already exists`, details(gr, name));

export const conflict = (gr: GroupResource, name: string): ApiError =>
  new ApiError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified(gr)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
    details(gr, name),
  );

export const forbidden = (gr: GroupResource, name: string, reason: string): ApiError =>
  new ApiError(403, 'Forbidden', `${qualified(gr)}${name ? ` "${name}"` : ''} is forbidden: ${reason}`, details(gr, name));

export const forbiddenPath = (reason: string): ApiError => new ApiError(403, 'Forbidden', `forbidden: ${reason}`, {});

export const unauthorized = (): ApiError => new ApiError(401, 'Unauthorized', 'Unauthorized');

export const badRequest = (message: string): ApiError => new ApiError(400, 'BadRequest', message);

/** 422 Invalid, named by kind as upstream's NewInvalid(schema.GroupKind, name, errs) does. */
export const invalid = (gk: { group: string; kind: string }, name: string, problems: string[]): ApiError =>
  new ApiError(422, 'Invalid', `${gk.group ? `${gk.kind}.${gk.group}` : gk.kind} "${name}" is invalid: ${problems.length > 1 ? `[${problems.join(', ')}]` : problems[0]}`, {
    ...(name ? { name } : {}),
    ...(gk.group ? { group: gk.group } : {}),
    kind: gk.kind,
  });

export const methodNotAllowed = (): ApiError => new ApiError(405, 'MethodNotAllowed', 'the server does not allow this method on the requested resource');

export const pathNotFound = (): ApiError => new ApiError(404, 'NotFound', 'the server could not find the requested resource');
