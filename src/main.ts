import 'reflect-metadata';
import { buildApp } from './app';
import { validateEnvironment } from './config/config';

async function main(): Promise<void> {
  const config = validateEnvironment(process.env);
  const app = await buildApp(config);
  await app.listen({ port: config.PORT, host: '0.0.0.0' });
}

main().catch((err: unknown) => {
  // The logger may not exist yet: say why we could not start, without a stack for configuration errors.
  process.stderr.write(`masthead: could not start: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
