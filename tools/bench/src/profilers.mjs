/**
 * V8's profilers in-process (node:inspector), for a runner's load window
 * only: each start function returns the function that stops it and writes
 * the profile.
 */
import { writeFileSync } from 'node:fs';
import { Session as Inspector } from 'node:inspector';

/** Starts V8's sampling profiler in-process; the returned function stops it and writes the profile. */
export async function startProfiler(path) {
  const inspector = new Inspector();
  inspector.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) => inspector.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 250 });
  await post('Profiler.start');
  return async () => {
    const { profile } = await post('Profiler.stop');
    writeFileSync(path, JSON.stringify(profile));
    inspector.disconnect();
  };
}

/** Samples every allocation (collected ones too) in-process; the returned function writes the profile. */
export async function startAllocationProfiler(path, { collected = true } = {}) {
  const inspector = new Inspector();
  inspector.connect();
  const post = (method, params) =>
    new Promise((resolve, reject) => inspector.post(method, params, (error, result) => (error ? reject(error) : resolve(result))));
  await post('HeapProfiler.enable');
  await post('HeapProfiler.startSampling', {
    samplingInterval: 4096,
    // SE_ALLOC_PROMOTED=1: only what survived the young generation (promoted, or still alive at the end).
    includeObjectsCollectedByMajorGC: collected,
    includeObjectsCollectedByMinorGC: collected && !process.env.SE_ALLOC_PROMOTED,
  });
  return async () => {
    const { profile } = await post('HeapProfiler.stopSampling');
    writeFileSync(path, JSON.stringify(profile));
    inspector.disconnect();
  };
}
