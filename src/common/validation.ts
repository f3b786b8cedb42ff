import { BadRequestException, Injectable, PipeTransform, ValidationError, ValidationPipe, ArgumentMetadata } from '@nestjs/common';
import { isISO8601, ValidateBy } from 'class-validator';
import { problem } from './problem.filter';

export interface FieldError {
  field: string;
  message: string;
}

function flatten(errors: ValidationError[], parent = ''): FieldError[] {
  return errors.flatMap((e) => {
    const field = /^\d+$/.test(e.property) ? `${parent}[${e.property}]` : parent ? `${parent}.${e.property}` : e.property;
    const own = Object.values(e.constraints ?? {}).map((message) => ({ field, message }));
    return [...own, ...flatten(e.children ?? [], field)];
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
  // One message per bad field (the first broken constraint), not "must be a string" and "must be shorter than" at once.
  stopAtFirstError: true,
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => validationProblem(flatten(errors)),
});

/**
 * An ISO 8601 time that the service can read: the strict ISO check alone also passes week and ordinal dates, the basic
 * format and a comma before the fraction, which Date cannot read (a 500 instead of a 400).
 */
export function IsTime(): PropertyDecorator {
  return ValidateBy({
    name: 'isTime',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && isISO8601(value, { strict: true, strictSeparator: true }) && !Number.isNaN(Date.parse(value)),
      defaultMessage: (args) => `${args?.property ?? 'the value'} must be an RFC 3339 time, such as 2026-05-01T09:00:00Z`,
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
