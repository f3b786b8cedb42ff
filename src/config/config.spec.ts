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
