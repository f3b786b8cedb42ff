import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { Verifier } from '../audit/verifier.service';
import { ROLES, Role } from '../auth/roles';
import { SYSTEM_ACTOR } from '../auth/user-events';
import { UsersService } from '../auth/users.service';
import { validateEnvironment } from '../config/config';
import { ProjectionRebuilder, RebuildJob } from '../read-models/projection-rebuilder.service';
import { ProjectionRunner } from '../read-models/projection-runner.service';
import { CliModule } from './cli.module';

const USAGE = `usage: npm run cli -- <command>
  replay [--projection NAME]        rebuild read models from the event log (all, or one)
  verify                            check hash chains, versions and the stream ledger; exit 1 on failure
  users add USERNAME --role ROLE    add a user (repeat --role); the password is read from stdin`;

/** A one-line progress bar on stderr: events done, rate, ETA. */
function progress(label: string) {
  const started = Date.now();
  let last = 0;
  return (done: number, total: number, final = false) => {
    const now = Date.now();
    if (!final && now - last < 100) return;
    last = now;
    const seconds = Math.max((now - started) / 1000, 0.001);
    const rate = done / seconds;
    const width = 30;
    const ratio = total ? Math.min(done / total, 1) : 1;
    const bar = '█'.repeat(Math.round(ratio * width)).padEnd(width, '░');
    const eta = rate > 0 && total > done ? `${Math.ceil((total - done) / rate)}s` : '0s';
    process.stderr.write(`\r${label.padEnd(10)} ${bar} ${done}/${total} events  ${Math.round(rate)} ev/s  ETA ${eta}   `);
    if (final) process.stderr.write('\n');
  };
}

async function readStdin(): Promise<string> {
  if (process.stdin.isTTY) process.stderr.write('password: ');
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: { projection: { type: 'string' }, role: { type: 'string', multiple: true }, help: { type: 'boolean', short: 'h' } },
  });
  const [command, sub, name] = positionals;
  if (values.help || !command) {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = validateEnvironment({ ...process.env, LOG_LEVEL: process.env.LOG_LEVEL ?? 'warn' });
  const app = await NestFactory.createApplicationContext(CliModule.register(config), { bufferLogs: true, logger: ['error', 'warn'] });
  try {
    if (command === 'replay') {
      await app.get(ProjectionRunner).ensureCheckpoints();
      const rebuilder = app.get(ProjectionRebuilder);
      const bar = progress(values.projection ?? 'replay');
      const follow = (j: RebuildJob) => bar(j.eventsProcessed, j.eventsTotal, j.status !== 'running');
      // All projections in one pass over the log, or the one asked for.
      const jobs = values.projection
        ? [await rebuilder.rebuild(values.projection, follow)]
        : await rebuilder.rebuildAll((all) => follow(all[0]));
      let ok = true;
      for (const job of jobs) {
        console.log(
          `${job.projection}: ${job.eventsProcessed} events replayed; checksum rebuilt ${job.rebuiltChecksum} ${job.identical ? '=' : '≠'} live ${job.liveChecksum}`,
        );
        ok &&= job.identical === true;
      }
      return ok ? 0 : 1;
    }
    if (command === 'verify') {
      const bar = progress('verify');
      const report = await app.get(Verifier).verify((done, total) => bar(done, total));
      bar(report.eventsChecked, report.eventsChecked, true);
      console.log(JSON.stringify(report, null, 2));
      return report.ok ? 0 : 1;
    }
    if (command === 'users' && sub === 'add' && name) {
      const roles = (values.role ?? []) as Role[];
      const bad = roles.filter((r) => !ROLES.includes(r));
      if (!roles.length || bad.length) {
        console.error(`give one or more --role of: ${ROLES.join(', ')}`);
        return 2;
      }
      const password = await readStdin();
      if (password.length < 8) {
        console.error('the password (from stdin) must be at least 8 characters');
        return 2;
      }
      const user = await app.get(UsersService).create(name, password, roles, SYSTEM_ACTOR);
      console.log(JSON.stringify({ id: user.id, username: user.username, roles: user.roles }));
      return 0;
    }
    console.error(USAGE);
    return 2;
  } finally {
    await app.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`masthead cli: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
