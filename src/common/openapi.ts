import { applyDecorators, Type } from '@nestjs/common';
import { ApiBearerAuth, ApiExtension, ApiExtraModels, ApiHeader, ApiOperation, ApiProperty, ApiPropertyOptional, ApiResponse, getSchemaPath } from '@nestjs/swagger';
import type { HeadersObject, ReferenceObject, SchemaObject } from '@nestjs/swagger';
import { problem } from './problem.filter';

/** One rule a request broke: the field (or header, or query parameter) and what is wrong with it. */
export class FieldErrorDto {
  @ApiProperty({ example: 'headline' })
  field: string;

  @ApiProperty({ example: 'headline should not be empty' })
  message: string;
}

/** RFC 9457 problem details: every error the service answers, as application/problem+json. */
export class ProblemDto {
  @ApiProperty({ description: 'A URI naming the problem; its last segment is the code in kebab case (…/problems/version-mismatch).', example: 'https://masthead.example/problems/version-mismatch' })
  type: string;

  @ApiProperty({ example: 'Precondition Failed' })
  title: string;

  @ApiProperty({ example: 412 })
  status: number;

  @ApiProperty({ description: 'What went wrong, in words for people.', example: 'the article is at version 5, not 4' })
  detail: string;

  @ApiPropertyOptional({ description: 'The request path.', example: '/articles/3f1f8c0e-6a51-4c1e-9b0a-1d2e3f4a5b6c/approval' })
  instance?: string;

  @ApiPropertyOptional({ description: 'The stable error code, where the problem has one beyond its status (as in the type URI).', example: 'VERSION_MISMATCH' })
  code?: string;

  @ApiPropertyOptional({ type: [FieldErrorDto], description: 'For VALIDATION_FAILED and other bad input: each field and the rule it broke.' })
  errors?: FieldErrorDto[];
}

/** Problems by status: each status with the codes a route may answer with it. */
export type Problems = Partial<Record<number, string[]>>;

const HEADER_DOCS: Record<string, { description: string; schema?: SchemaObject }> = {
  ETag: { description: 'The article version as a strong ETag ("<version>"): send it back as If-Match.' },
  'Idempotent-Replayed': { description: 'true when this is the stored answer to an earlier request with the same Idempotency-Key.', schema: { type: 'string', enum: ['true'] } },
  Location: { description: 'Where the created resource is.' },
  'Retry-After': { description: 'Seconds to wait before trying again.', schema: { type: 'integer' } },
  'WWW-Authenticate': { description: 'The scheme to authenticate with: Bearer realm="masthead".' },
  'Cache-Control': { description: 'How long shared caches may keep the answer.' },
};

const headers = (names: string[]): HeadersObject =>
  Object.fromEntries(names.map((name) => [name, { description: HEADER_DOCS[name].description, schema: HEADER_DOCS[name].schema ?? { type: 'string' } }]));

/** The problem statuses with the headers that come with them. */
const PROBLEM_HEADERS: Record<number, string[]> = { 401: ['WWW-Authenticate'], 429: ['Retry-After'], 503: ['Retry-After'] };

/** One documented problem response: the Problem schema and, per code, an example body as the service writes it. */
function problemResponse(status: number, codes: string[]) {
  // The code is the type URI's last segment; domain errors also carry it as `code`.
  const examples = Object.fromEntries(codes.map((code) => [code, { value: problem(status, code.toLowerCase().replace(/_/g, ' '), {}, code) }]));
  return ApiResponse({
    status,
    description: `${codes.join(', ')}`,
    headers: PROBLEM_HEADERS[status] && headers(PROBLEM_HEADERS[status]),
    content: { 'application/problem+json': { schema: { $ref: getSchemaPath(ProblemDto) }, examples } },
  });
}

export interface RouteDoc {
  summary: string;
  description?: string;
  /** The success answer: its status, its body (a class, [a class] for a list, or a schema) and headers. */
  ok: {
    status: number;
    description: string;
    type?: Type<unknown> | [Type<unknown>];
    schema?: SchemaObject;
    /** A body that is not JSON: its media type (text/html, application/atom+xml…) and schema. */
    contentType?: string;
    /** More media types the same answer comes in (by Accept). */
    alsoContent?: Record<string, SchemaObject | ReferenceObject>;
    headers?: string[];
  };
  /** Also answered with success: e.g. 304 Not Modified to a conditional GET. */
  also?: { status: number; description: string; headers?: string[] }[];
  /** 'public': no token; otherwise a bearer token with one of these roles (the route's @Roles). */
  auth: 'public' | { roles: readonly string[] };
  /** If-Match: a command on a version the client read. */
  ifMatch?: 'required' | 'optional';
  /** Idempotency-Key: a retried request gets the first answer. */
  idempotent?: boolean;
  /** A JSON body is read (so 400 INVALID_JSON, 413, 415). */
  body?: boolean;
  /** Writes are rate-limited per user (sign-in per address). */
  rateLimited?: boolean;
  /** The route's own problems, by status. */
  problems?: Problems;
}

/**
 * The OpenAPI description of one route, from one object: success body and headers, request headers, security, and
 * every problem+json answer with its codes (those every route of its kind shares are added here).
 */
export function ApiRoute(doc: RouteDoc) {
  const problems: Record<number, Set<string>> = {};
  const add = (status: number, ...codes: string[]) => {
    problems[status] ??= new Set();
    for (const c of codes) problems[status].add(c);
  };
  const decorators: (ClassDecorator | MethodDecorator | PropertyDecorator)[] = [
    ApiOperation({ summary: doc.summary, description: doc.description }),
    ApiExtraModels(ProblemDto, FieldErrorDto),
  ];
  if (doc.auth === 'public') {
    decorators.push(ApiExtension('x-public', true));
  } else {
    decorators.push(ApiBearerAuth(), ApiExtension('x-roles', [...doc.auth.roles]));
    add(401, 'UNAUTHORIZED');
    add(403, 'FORBIDDEN');
  }
  if (doc.body) {
    add(400, 'VALIDATION_FAILED', 'INVALID_JSON', 'INVALID_UTF8');
    add(413, 'PAYLOAD_TOO_LARGE');
    add(415, 'UNSUPPORTED_MEDIA_TYPE', 'UNSUPPORTED_CHARSET');
  }
  if (doc.rateLimited) add(429, 'TOO_MANY_REQUESTS');
  if (doc.ifMatch) {
    decorators.push(
      ApiHeader({
        name: 'If-Match',
        required: doc.ifMatch === 'required',
        description: 'The ETag of the version you read ("<version>"): the command applies to that version or fails with 412.',
        schema: { type: 'string', example: '"4"' },
      }),
    );
    add(400, 'BAD_IF_MATCH');
    add(412, 'VERSION_MISMATCH');
    if (doc.ifMatch === 'required') add(428, 'IF_MATCH_REQUIRED');
  }
  if (doc.idempotent) {
    decorators.push(
      ApiHeader({
        name: 'Idempotency-Key',
        required: false,
        description: '1 to 200 visible ASCII characters: a retry with the same key and request gets the first answer (Idempotent-Replayed: true).',
        schema: { type: 'string', maxLength: 200 },
      }),
    );
    add(400, 'BAD_IDEMPOTENCY_KEY');
    add(422, 'IDEMPOTENCY_KEY_REUSED');
  }
  for (const [status, codes] of Object.entries(doc.problems ?? {})) add(Number(status), ...(codes ?? []));
  add(503, 'SERVICE_UNAVAILABLE');

  const okHeaders = [...(doc.ok.headers ?? []), ...(doc.idempotent ? ['Idempotent-Replayed'] : [])];
  const { type, schema, contentType } = doc.ok;
  const list = Array.isArray(type);
  const model = list ? type[0] : type;
  if (model) decorators.push(ApiExtraModels(model));
  const bodySchema: SchemaObject | ReferenceObject | undefined = model
    ? list
      ? { type: 'array', items: { $ref: getSchemaPath(model) } }
      : { $ref: getSchemaPath(model) }
    : schema;
  decorators.push(
    ApiResponse({
      status: doc.ok.status,
      description: doc.ok.description,
      headers: okHeaders.length ? headers(okHeaders) : undefined,
      content: bodySchema
        ? {
            [contentType ?? 'application/json']: { schema: bodySchema },
            ...Object.fromEntries(Object.entries(doc.ok.alsoContent ?? {}).map(([type, s]) => [type, { schema: s }])),
          }
        : undefined,
    }),
  );
  for (const a of doc.also ?? []) decorators.push(ApiResponse({ status: a.status, description: a.description, headers: a.headers && headers(a.headers) }));
  for (const [status, codes] of Object.entries(problems)) decorators.push(problemResponse(Number(status), [...codes]));
  return applyDecorators(...decorators);
}
