import { BadRequestException, Injectable, PipeTransform, ValidationError, ValidationPipe, ArgumentMetadata } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, isISO8601, ValidateBy } from 'class-validator';
import { problem } from './problem.filter';

export interface FieldError {
  field: string;
  message: string;
}

/**
 * The first rule a field broke, as its DTO reads. class-validator checks IsDefined first, then the other decorators in
 * the order TypeScript applies them (bottom up), nested validation last: so the first in reading order is IsDefined,
 * else the last of the others (a missing headline is "must be a string", not "must be shorter than 1000 characters").
 */
function firstBroken({ isDefined, nestedValidation, ...others }: Record<string, string>): string | undefined {
  return isDefined ?? Object.values(others).at(-1) ?? nestedValidation;
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = /^\d+$/.test(e.property) ? `${parent}[${e.property}]` : parent ? `${parent}.${e.property}` : e.property;
    const message = firstBroken(e.constraints ?? {});
    return [...(message === undefined ? [] : [{ field, message }]), ...flatten(e.children ?? [], field)];
  });
}

export function validationProblem(errors: FieldError[]): BadRequestException {
  const detail = errors.map((e) => `${e.field}: ${e.message}`).join('; ');
  return new BadRequestException(problem(400, detail || 'the request is invalid', { errors }, 'VALIDATION_FAILED'));
}

/** class-validator on every body and query: unknown fields rejected, every bad field listed. */
export const validationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  forbidUnknownValues: true,
  // Every rule is checked (stopAtFirstError would stop at the bottom decorator); flatten reports one message per field.
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => validationProblem(flatten(errors)),
});

// RFC 3339 date-time: ISO 8601 with the zone required; without one a time names no instant (the server's zone would decide).
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * A time in a request (docs/api.md: RFC 3339): a real date and time with its zone, in a form the service reads. ISO 8601
 * alone also passes a time without a zone or a bare date (read in the server's zone: hours away from what the client
 * meant), week and ordinal dates, the basic format and a comma before the fraction (which Date cannot read: a 500).
 */
export function IsTime(): PropertyDecorator {
  return ValidateBy({
    name: 'isTime',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' &&
        RFC3339.test(value) &&
        isISO8601(value, { strict: true, strictSeparator: true }) &&
        !Number.isNaN(Date.parse(value)),
      defaultMessage: (args) => `${args?.property ?? 'the value'} must be an RFC 3339 time with a zone, such as 2026-05-01T09:00:00Z`,
    },
  });
}

// C0 controls other than tab, line feed and carriage return; PostgreSQL cannot store NUL at all.
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F]/;

/**
 * Text comes in as NFC and otherwise untouched. Strings that are not well-formed Unicode (lone surrogates) or that
 * carry control characters are refused rather than silently altered.
 */
@Injectable()
export class TextPipe implements PipeTransform {
  transform(value: unknown, metadata: ArgumentMetadata): unknown {
    if (metadata.type !== 'body' && metadata.type !== 'query') return value;
    if (metadata.type === 'body' && (value === undefined || value === null || value === '')) return {};
    const errors: FieldError[] = [];
    const result = normalise(value, '', errors, 0);
    if (errors.length) throw validationProblem(errors);
    return result;
  }
}

function normalise(value: unknown, path: string, errors: FieldError[], depth: number): unknown {
  if (depth > 32) {
    errors.push({ field: path || '(body)', message: 'nested too deeply' });
    return value;
  }
  if (typeof value === 'string') {
    if (!value.isWellFormed()) errors.push({ field: path || '(body)', message: 'is not well-formed Unicode (lone surrogate)' });
    else if (CONTROL.test(value)) errors.push({ field: path || '(body)', message: 'contains a control character' });
    return value.normalize('NFC');
  }
  if (Array.isArray(value)) return value.map((v, i) => normalise(v, `${path}[${i}]`, errors, depth + 1));
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = normalise(v, path ? `${path}.${k}` : k, errors, depth + 1);
    return out;
  }
  return value;
}

/** ?asOf=<time>: what a read gave at a time (GET /published/{id}, and with ?version= GET /articles/{id}). */
export class AsOfQuery {
  @ApiPropertyOptional({ description: 'RFC 3339 time' })
  @IsOptional()
  @IsTime()
  asOf?: string;
}
