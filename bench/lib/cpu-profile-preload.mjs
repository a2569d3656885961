// Preloaded into the server child by `npm run bench -- --cpu-prof DIR` (NODE_OPTIONS=--import …): Node 20 refuses
// --cpu-prof in NODE_OPTIONS, so this starts the V8 profiler through node:inspector and writes
// DIR/hearth-<pid>.cpuprofile when the process exits (the server exits on SIGTERM after closing).
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

const dir = process.env.BENCH_CPU_PROF_DIR;
if (dir) {
  const session = new Session();
  session.connect();
  session.post('Profiler.enable');
  session.post('Profiler.setSamplingInterval', { interval: 200 });
  session.post('Profiler.start');
  process.on('exit', () => {
    // Same-thread inspector sessions dispatch synchronously, so this completes inside the exit handler.
    session.post('Profiler.stop', (error, result) => {
      if (!error) writeFileSync(path.join(dir, `hearth-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    });
  });
}
