import { PGlite, type PGliteOptions, types } from '@electric-sql/pglite';
import { dirname, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { lockDataDirectory } from './pglite-pool';
import { ensurePrivateDirectory, makeFilesPrivate } from './private-files';

/**
 * PostgreSQL zeroes all of its shared memory when it starts, in wasm: with PGlite's default 128 MB of shared
 * buffers that was about 0.35 s of every start-up (docs/benchmarks.md). One session needs far fewer buffers;
 * pages beyond them stay in the operating system's file cache. Durability settings are untouched.
 */
export const EMBEDDED_START_PARAMS = [...PGlite.defaultStartParams, '-c', 'shared_buffers=16MB'];

type WasmModule = PGliteOptions['pgliteWasmModule'];

const COMPILE_WASM = `const { parentPort, workerData } = require('node:worker_threads');
parentPort.postMessage(new WebAssembly.Module(require('node:fs').readFileSync(workerData)));`;

/**
 * Compiles PGlite's PostgreSQL (9 MB of wasm) on a worker thread, so that it compiles while the main thread is busy
 * loading the application's modules. Resolves to undefined if that fails: PGlite then compiles it itself.
 */
function compilePostgres(): Promise<WasmModule> {
  return new Promise((resolve) => {
    let worker: Worker;
    try {
      worker = new Worker(COMPILE_WASM, { eval: true, workerData: join(dirname(require.resolve('@electric-sql/pglite')), 'pglite.wasm') });
    } catch {
      resolve(undefined);
      return;
    }
    worker.once('message', (module: WasmModule) => {
      // Only a module of this realm will do (under jest, the test's sandbox has a WebAssembly of its own).
      resolve(module instanceof (globalThis as unknown as { WebAssembly: { Module: abstract new (...args: never[]) => unknown } }).WebAssembly.Module ? module : undefined);
      void worker.terminate();
    });
    worker.once('error', () => resolve(undefined));
    worker.once('exit', () => resolve(undefined));
  });
}

/**
 * The embedded database in a data directory: locked for this process, then started. main.ts opens it before loading
 * the app's modules with `compileOnWorker`, so that PostgreSQL's wasm compiles meanwhile; opened anywhere else (the
 * CLI, tests), nothing would overlap the compile, and PGlite compiles it itself.
 */
export class EmbeddedDatabase {
  /** Settles when PostgreSQL has started, or failed to. */
  readonly db: Promise<PGlite>;
  /** Settles when the files PGlite made (0666, whatever the umask) are the service user's only (private-files.ts). */
  private filesPrivate: Promise<void>;
  private readonly unlock: () => void;
  private closed?: Promise<void>;

  constructor(
    readonly dataDir: string,
    { compileOnWorker = false } = {},
  ) {
    ensurePrivateDirectory(dataDir);
    this.unlock = lockDataDirectory(dataDir);
    this.db = (compileOnWorker ? compilePostgres() : Promise.resolve(undefined)).then((pgliteWasmModule) => {
      // int8 as a string, as pg gives it, so both engines hand the same types to the code above.
      const db = new PGlite(join(dataDir, 'pglite'), { parsers: { [types.INT8]: (value: string) => value }, startParams: EMBEDDED_START_PARAMS, pgliteWasmModule });
      return db.waitReady.then(() => db);
    });
    this.filesPrivate = this.db.then(() => makeFilesPrivate(join(dataDir, 'pglite'))).catch(() => undefined);
    // A failed start is reported to whoever uses the database first, not as an unhandled rejection meanwhile.
    this.db.catch(() => undefined);
  }

  close(): Promise<void> {
    this.closed ??= (async () => {
      try {
        const db = await this.db.catch(() => undefined);
        if (db && !db.closed) await db.close();
        await this.filesPrivate;
        await makeFilesPrivate(join(this.dataDir, 'pglite')).catch(() => undefined);
      } finally {
        this.unlock();
      }
    })();
    return this.closed;
  }
}
