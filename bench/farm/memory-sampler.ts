/**
 * Loaded into the controller with `--import` (bench only): samples process.memoryUsage() every
 * HSTS_MEMORY_EVERY_MS (default 25) and writes one JSON line per sample to HSTS_MEMORY_SAMPLES at
 * exit, so that the peak can be set against the journal's timestamps. With HSTS_HEAP_SNAPSHOT_MB,
 * writes one heap snapshot (beside the samples file) the first time RSS passes that many MB.
 */
import { writeFileSync } from 'node:fs';
import { writeHeapSnapshot } from 'node:v8';

const file = process.env.HSTS_MEMORY_SAMPLES;
if (file) {
  const every = Number(process.env.HSTS_MEMORY_EVERY_MS ?? 25);
  const snapshotAtMb = Number(process.env.HSTS_HEAP_SNAPSHOT_MB ?? 0);
  let snapshotTaken = false;
  const samples: string[] = [];
  const sample = () => {
    const m = process.memoryUsage();
    samples.push(JSON.stringify({ t: Date.now(), rss: m.rss >> 20, heapUsed: m.heapUsed >> 20, heapTotal: m.heapTotal >> 20, external: m.external >> 20, arrayBuffers: m.arrayBuffers >> 20 }));
    if (snapshotAtMb > 0 && !snapshotTaken && m.rss >> 20 >= snapshotAtMb) {
      snapshotTaken = true;
      writeHeapSnapshot(`${file}.heapsnapshot`);
    }
  };
  setInterval(sample, every).unref();
  process.on('exit', () => {
    sample();
    writeFileSync(file, `${samples.join('\n')}\n`);
  });
}
