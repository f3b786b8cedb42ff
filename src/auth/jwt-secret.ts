import { randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../config/config';
import { ensurePrivateDirectory, PRIVATE_FILE } from '../database/private-files';

/** NEWSROOM_JWT_SECRET, or in development one generated once and kept in the data directory (tokens survive a restart). */
export function jwtSecret(config: AppConfig): string {
  if (config.NEWSROOM_JWT_SECRET) return config.NEWSROOM_JWT_SECRET;
  if (config.production) throw new Error('NEWSROOM_JWT_SECRET is required when NODE_ENV=production');
  ensurePrivateDirectory(config.dataDir);
  const file = join(config.dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: PRIVATE_FILE });
  return secret;
}
