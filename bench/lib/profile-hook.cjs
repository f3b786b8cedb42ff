// Preloaded into the server (node --require bench/lib/profile-hook.cjs dist/main.js) when BENCH_PROFILE=1.
// The bench writes "start NAME" into $BENCH_PROFILE_DIR/control to start a CPU profile (what `node --cpu-prof`
// records) and "stop NAME" to write it to $BENCH_PROFILE_DIR/NAME.cpuprofile, so a profile covers exactly one
// measured load, not the boot. (Not a signal: Nest's shutdown hooks treat SIGUSR2 and friends as a request to stop.)
const { Session } = require('node:inspector');
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const dir = process.env.BENCH_PROFILE_DIR;
const control = join(dir, 'control');
let session = null;
let current = null;
const timer = setInterval(() => {
  let command;
  try {
    command = readFileSync(control, 'utf8').trim().split(' ');
  } catch {
    return;
  }
  const [verb, name] = command;
  if (verb === 'start' && !session) {
    current = name;
    session = new Session();
    session.connect();
    session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 500 }, () => session.post('Profiler.start')));
  } else if (verb === 'stop' && session && name === current) {
    const s = session;
    session = null;
    s.post('Profiler.stop', (err, result) => {
      if (!err) writeFileSync(join(dir, `${name}.cpuprofile`), JSON.stringify(result.profile));
      s.disconnect();
    });
  }
}, 50);
timer.unref();
