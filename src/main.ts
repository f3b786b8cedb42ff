import 'reflect-metadata';
import { validateEnvironment } from './config/config';
import { EmbeddedDatabase } from './database/embedded-database';

async function main(): Promise<void> {
  const config = validateEnvironment(process.env);
  // The embedded database starts before the app's modules load (about a second of require), so that PostgreSQL's
  // wasm compiles on another thread meanwhile; the app is loaded only now, hence the require() below (an import()
  // would go through the ESM loader).
  const embedded = config.DATABASE_URL ? undefined : new EmbeddedDatabase(config.dataDir, { compileOnWorker: true });
  const { buildApp } = require('./app') as typeof import('./app');
  const app = await buildApp(config, { embedded });
  await app.listen({ port: config.PORT, host: '0.0.0.0' });
}

main().catch((err: unknown) => {
  // The logger may not exist yet: say why we could not start, without a stack for configuration errors.
  process.stderr.write(`masthead: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
