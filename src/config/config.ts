import { plainToInstance, Transform } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, validateSync } from 'class-validator';
import { isIP } from 'node:net';
import { resolve } from 'node:path';

/** The whole configuration, validated once at boot; the app, the CLI and the TypeORM CLI read it from here. */
export class EnvironmentVariables {
  @IsOptional()
  @IsIn(['development', 'production', 'test'])
  NODE_ENV: string = 'development';

  @Transform(({ value }) => (value === undefined || value === '' ? 3000 : Number(value)))
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT: number = 3000;

  /** PostgreSQL connection string; unset means the embedded PGlite database. */
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\//, { message: 'DATABASE_URL must be a postgres:// connection string' })
  DATABASE_URL?: string;

  /**
   * Connections to PostgreSQL per instance (ignored on the embedded database, which has one session). At least 2:
   * at start-up one connection holds the migration lock while another runs the migrations.
   */
  @Transform(({ value }) => (value === undefined || value === '' ? 10 : Number(value)))
  @IsInt()
  @Min(2, { message: 'DATABASE_POOL_SIZE must be at least 2 (one connection holds the migration lock while another migrates)' })
  @Max(1000)
  DATABASE_POOL_SIZE: number = 10;

  @IsString()
  NEWSROOM_DATA_DIR: string = './.data';

  @IsString()
  @MinLength(1)
  NEWSROOM_ADMIN_USERNAME: string = 'admin';

  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'NEWSROOM_ADMIN_PASSWORD must be at least 8 characters' })
  NEWSROOM_ADMIN_PASSWORD?: string;

  @IsOptional()
  @IsString()
  @MinLength(32, { message: 'NEWSROOM_JWT_SECRET must be at least 32 characters' })
  NEWSROOM_JWT_SECRET?: string;

  /**
   * The service's public address (scheme, host, port, optional path prefix), for every absolute link it writes: the
   * page's canonical link and JSON-LD @id, the Atom feed's ids and links, ninjs uri. Never taken from the request's
   * Host header, which is the client's to choose. Required in production; `http://localhost:PORT` otherwise.
   */
  @IsOptional()
  @IsString()
  NEWSROOM_PUBLIC_URL?: string;

  @IsIn(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
  LOG_LEVEL: string = 'info';

  /** Access token lifetime in seconds. */
  @Transform(({ value }) => (value === undefined || value === '' ? 3600 : Number(value)))
  @IsInt()
  @Min(60)
  NEWSROOM_TOKEN_TTL: number = 3600;

  /** Sign-in attempts per client address per minute. */
  @Transform(({ value }) => (value === undefined || value === '' ? 10 : Number(value)))
  @IsInt()
  @Min(1)
  NEWSROOM_RATE_LIMIT_LOGIN: number = 10;

  /**
   * Failed sign-ins in a row for one username before it is locked: for 1 s, then twice as long with each further failure
   * (up to 15 minutes); a success clears the count. Shared by all instances (in the database).
   */
  @Transform(({ value }) => (value === undefined || value === '' ? 5 : Number(value)))
  @IsInt()
  @Min(1)
  NEWSROOM_LOGIN_LOCKOUT_AFTER: number = 5;

  /**
   * Which proxies' X-Forwarded-For to believe for the client's address (the sign-in limit is per address): 'off' (none:
   * the address is the TCP peer's), 'on' (any), a number of hops, or a comma-separated list of addresses or CIDR ranges.
   */
  @Matches(/^(off|on|\d{1,2}|[0-9a-fA-F:.\/]+(\s*,\s*[0-9a-fA-F:.\/]+)*)$/, {
    message: "NEWSROOM_TRUST_PROXY must be 'off', 'on', a number of hops or a comma-separated list of addresses or CIDR ranges",
  })
  NEWSROOM_TRUST_PROXY: string = 'off';

  /** Live feeds (GET /events/stream) one user may hold open at once, per instance; 429 beyond. */
  @Transform(({ value }) => (value === undefined || value === '' ? 5 : Number(value)))
  @IsInt()
  @Min(1)
  NEWSROOM_EVENT_STREAMS_PER_USER: number = 5;

  /** Writes (POST, PATCH, DELETE) per user per minute. */
  @Transform(({ value }) => (value === undefined || value === '' ? 300 : Number(value)))
  @IsInt()
  @Min(1)
  NEWSROOM_RATE_LIMIT_WRITES: number = 300;

  /** Background projection catch-up and the notary ('off' only for tests that drive them by hand). */
  @IsIn(['on', 'off'])
  NEWSROOM_PROJECTION_DAEMON: string = 'on';

  /** The publication scheduler ('off' only for tests that drive it by hand). */
  @IsIn(['on', 'off'])
  NEWSROOM_SCHEDULER: string = 'on';

  /** Largest accepted request body in bytes. */
  @Transform(({ value }) => (value === undefined || value === '' ? 1048576 : Number(value)))
  @IsInt()
  @Min(1024)
  NEWSROOM_BODY_LIMIT: number = 1048576;

  /** Rendered published articles kept in memory per instance (the JSON, the page, ninjs); 0 turns the cache off. */
  @Transform(({ value }) => (value === undefined || value === '' ? 1000 : Number(value)))
  @IsInt()
  @Min(0)
  NEWSROOM_PUBLISHED_CACHE_ENTRIES: number = 1000;

  /** The same cache's limit in MiB of rendered bytes. */
  @Transform(({ value }) => (value === undefined || value === '' ? 64 : Number(value)))
  @IsInt()
  @Min(1)
  NEWSROOM_PUBLISHED_CACHE_MB: number = 64;

  /** Articles whose head and state this instance keeps after appending to them, to skip the next command's read; 0 turns it off. */
  @Transform(({ value }) => (value === undefined || value === '' ? 256 : Number(value)))
  @IsInt()
  @Min(0)
  @Max(100000)
  NEWSROOM_HEAD_CACHE_ENTRIES: number = 256;
  /** NATS server(s) for subscribers with a JetStream destination, e.g. nats://127.0.0.1:4222; unset: such subscribers are refused. */
  @IsOptional()
  @Matches(/^(nats|tls|wss?):\/\/[^,\s]+(,(nats|tls|wss?):\/\/[^,\s]+)*$/, { message: 'NEWSROOM_NATS_URL must be a nats:// URL (several separated by commas)' })
  NEWSROOM_NATS_URL?: string;

  /** Delivery to subscribers ('off' only for tests that drive it by hand). */
  @IsIn(['on', 'off'])
  NEWSROOM_DISTRIBUTION: string = 'on';

  /** How often an idle subscriber looks for new events and due retries, in ms. */
  @Transform(({ value }) => (value === undefined || value === '' ? 200 : Number(value)))
  @IsInt()
  @Min(10)
  NEWSROOM_DISTRIBUTION_POLL_MS: number = 200;

  /** How long an instance keeps a subscriber without renewing its lease before another instance may take it over, in ms. */
  @Transform(({ value }) => (value === undefined || value === '' ? 15000 : Number(value)))
  @IsInt()
  @Min(500)
  NEWSROOM_DISTRIBUTION_LEASE_MS: number = 15000;

  /** One delivery attempt's time limit (webhook answer, JetStream acknowledgement), in ms. */
  @Transform(({ value }) => (value === undefined || value === '' ? 10000 : Number(value)))
  @IsInt()
  @Min(50)
  NEWSROOM_DISTRIBUTION_TIMEOUT_MS: number = 10000;

  /** First retry delay in ms; each further failure doubles it (with jitter) up to NEWSROOM_DISTRIBUTION_RETRY_MAX_MS. */
  @Transform(({ value }) => (value === undefined || value === '' ? 1000 : Number(value)))
  @IsInt()
  @Min(1)
  NEWSROOM_DISTRIBUTION_RETRY_BASE_MS: number = 1000;

  @Transform(({ value }) => (value === undefined || value === '' ? 300000 : Number(value)))
  @IsInt()
  @Min(1)
  NEWSROOM_DISTRIBUTION_RETRY_MAX_MS: number = 300000;

  /** Failed attempts after which a delivery is parked, unless a subscriber sets its own maxAttempts. */
  @Transform(({ value }) => (value === undefined || value === '' ? 10 : Number(value)))
  @IsInt()
  @Min(1)
  NEWSROOM_DISTRIBUTION_MAX_ATTEMPTS: number = 10;

  /** Deliveries in flight at once per subscriber (each to a different article: one article's stay in order). */
  @Transform(({ value }) => (value === undefined || value === '' ? 4 : Number(value)))
  @IsInt()
  @Min(1)
  @Max(256)
  NEWSROOM_DISTRIBUTION_CONCURRENCY: number = 4;
}

export type AppConfig = EnvironmentVariables & {
  /** NEWSROOM_TRUST_PROXY as Fastify's trustProxy option. */
  trustProxy: boolean | number | string;
  dataDir: string;
  embedded: boolean;
  production: boolean;
  /** NEWSROOM_PUBLIC_URL without a trailing slash, or its default. */
  publicUrl: string;
};

/** NEWSROOM_TRUST_PROXY for Fastify: each listed address or range must be one (net.isIP), or the start fails. */
function trustProxyOf(value: string): boolean | number | string {
  if (value === 'off') return false;
  if (value === 'on') return true;
  if (/^\d+$/.test(value)) return Number(value);
  const entries = value.split(',').map((s) => s.trim());
  const bad = entries.filter((entry) => {
    const [address, bits, ...rest] = entry.split('/');
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    return !family || rest.length > 0 || (bits !== undefined && !(/^\d{1,3}$/.test(bits) && Number(bits) <= max));
  });
  if (bad.length) throw new Error(`Invalid configuration:\n  NEWSROOM_TRUST_PROXY: not an address or CIDR range: ${bad.join(', ')}`);
  return entries.join(',');
}

/** NEWSROOM_PUBLIC_URL checked: an http(s) origin with an optional path, no credentials, query or fragment. */
function publicUrlOf(config: EnvironmentVariables, production: boolean): string {
  const given = config.NEWSROOM_PUBLIC_URL;
  if (given === undefined) {
    if (production) throw new Error('Invalid configuration:\n  NEWSROOM_PUBLIC_URL is required when NODE_ENV=production');
    return `http://localhost:${config.PORT}`;
  }
  const url = URL.canParse(given) ? new URL(given) : undefined;
  const problem = !url
    ? 'is not a URL'
    : !['http:', 'https:'].includes(url.protocol)
      ? 'must be http or https'
      : url.username || url.password
        ? 'must not carry a user name or password'
        : url.search || url.hash || given.includes('?') || given.includes('#')
          ? 'must not have a query or fragment'
          : undefined;
  if (problem) throw new Error(`Invalid configuration:\n  NEWSROOM_PUBLIC_URL ${problem} (such as https://news.example.org)`);
  return url!.href.replace(/\/+$/, '');
}

export function validateEnvironment(env: Record<string, unknown>): AppConfig {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const config = plainToInstance(EnvironmentVariables, cleaned, { exposeDefaultValues: true });
  const errors = validateSync(config, { skipMissingProperties: false, forbidUnknownValues: false });
  if (errors.length) {
    const lines = errors.flatMap((e) => Object.values(e.constraints ?? {}));
    throw new Error(`Invalid configuration:\n  ${lines.join('\n  ')}`);
  }
  // bcrypt ignores what follows the 72nd byte; the password's strength is checked when the admin is created (auth/password-policy.ts).
  if (Buffer.byteLength(config.NEWSROOM_ADMIN_PASSWORD ?? '', 'utf8') > 72) {
    throw new Error('Invalid configuration:\n  NEWSROOM_ADMIN_PASSWORD must be at most 72 bytes in UTF-8 (bcrypt ignores the rest)');
  }
  const production = config.NODE_ENV === 'production';
  if (production && !config.NEWSROOM_JWT_SECRET) {
    throw new Error('Invalid configuration:\n  NEWSROOM_JWT_SECRET is required when NODE_ENV=production');
  }
  return Object.assign(config, {
    dataDir: resolve(config.NEWSROOM_DATA_DIR),
    embedded: !config.DATABASE_URL,
    production,
    publicUrl: publicUrlOf(config, production),
    trustProxy: trustProxyOf(config.NEWSROOM_TRUST_PROXY),
  });
}

/** Keys the Nest ConfigService answers to: `config.get(APP_CONFIG)` gives the validated object. */
export const APP_CONFIG = 'app';
