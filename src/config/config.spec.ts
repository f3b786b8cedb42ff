import { validateEnvironment } from './config';

describe('validateEnvironment: DATABASE_POOL_SIZE', () => {
  it('defaults to 10 connections', () => {
    expect(validateEnvironment({}).DATABASE_POOL_SIZE).toBe(10);
  });

  it('refuses a pool of one, which would deadlock at start-up (migration lock on one connection, migrations on another)', () => {
    expect(() => validateEnvironment({ DATABASE_POOL_SIZE: '1' })).toThrow(/DATABASE_POOL_SIZE must be at least 2/);
  });

  it('accepts two', () => {
    expect(validateEnvironment({ DATABASE_POOL_SIZE: '2' }).DATABASE_POOL_SIZE).toBe(2);
  });
});

describe('validateEnvironment: NEWSROOM_PUBLIC_URL', () => {
  const production = { NODE_ENV: 'production', NEWSROOM_JWT_SECRET: 'x'.repeat(40) };

  it('defaults to http://localhost:PORT outside production', () => {
    expect(validateEnvironment({ PORT: '8080' }).publicUrl).toBe('http://localhost:8080');
  });

  it('is required in production', () => {
    expect(() => validateEnvironment(production)).toThrow(/NEWSROOM_PUBLIC_URL is required when NODE_ENV=production/);
    expect(validateEnvironment({ ...production, NEWSROOM_PUBLIC_URL: 'https://news.example.org/' }).publicUrl).toBe('https://news.example.org');
  });

  it('keeps a path prefix, without its trailing slash', () => {
    expect(validateEnvironment({ NEWSROOM_PUBLIC_URL: 'https://example.org/newsroom/' }).publicUrl).toBe('https://example.org/newsroom');
  });

  it.each([
    ['news.example.org', /is not a URL/],
    ['ftp://news.example.org', /must be http or https/],
    ['javascript:alert(1)', /must be http or https/],
    ['https://user:pw@news.example.org', /must not carry a user name or password/],
    ['https://news.example.org/?x=1', /must not have a query or fragment/],
    ['https://news.example.org/#top', /must not have a query or fragment/],
  ])('refuses %s', (value, message) => {
    expect(() => validateEnvironment({ NEWSROOM_PUBLIC_URL: value })).toThrow(message);
  });
});

describe('validateEnvironment: NEWSROOM_ADMIN_PASSWORD', () => {
  it('refuses more than 72 bytes in UTF-8 (bcrypt would ignore the rest)', () => {
    expect(() => validateEnvironment({ NEWSROOM_ADMIN_PASSWORD: 'é'.repeat(37) })).toThrow(/at most 72 bytes/);
    expect(validateEnvironment({ NEWSROOM_ADMIN_PASSWORD: 'é'.repeat(36) }).NEWSROOM_ADMIN_PASSWORD).toBe('é'.repeat(36));
  });
});

describe('validateEnvironment: NEWSROOM_TRUST_PROXY', () => {
  it('is off by default: X-Forwarded-For is not believed', () => {
    expect(validateEnvironment({}).trustProxy).toBe(false);
  });

  it.each([
    ['on', true],
    ['2', 2],
    ['10.0.0.1', '10.0.0.1'],
    ['10.0.0.0/8, ::1', '10.0.0.0/8,::1'],
  ])('reads %s', (value, expected) => {
    expect(validateEnvironment({ NEWSROOM_TRUST_PROXY: value }).trustProxy).toEqual(expected);
  });

  it.each([['yes'], ['10.0.0.300'], ['10.0.0.0/33'], ['proxy.example']])('refuses %s', (value) => {
    expect(() => validateEnvironment({ NEWSROOM_TRUST_PROXY: value })).toThrow(/NEWSROOM_TRUST_PROXY/);
  });
});
