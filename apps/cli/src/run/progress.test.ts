import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { formatStatusLine, LiveStatusLine, type ProgressSample } from './progress.js';

const sample: ProgressSample = {
  elapsedMs: 5_000,
  totalMs: 10_000,
  iterations: 0,
  plannedIterations: 0,
  activeSessions: 200,
  currentRps: 12_345.6,
  p99Ms: 4.5,
  total: 60_000,
  failed: 3,
};

describe('formatStatusLine', () => {
  it('shows a progress bar against the planned duration', () => {
    expect(formatStatusLine(sample)).toBe(
      '[==========          ] 5s/10s  sessions 200  12,346 req/s  p99 4.50 ms  requests 60,000  errors 3',
    );
  });

  it('shows iteration progress when the run is bounded by count', () => {
    expect(formatStatusLine({ ...sample, totalMs: 0, iterations: 250, plannedIterations: 1000 })).toMatch(/^\[=====\s+\] 250\/1,000 it/);
  });

  it('marks the warm-up, with its own bar against its length, so its figures are not read as the run', () => {
    expect(formatStatusLine({ ...sample, phase: 'warmup', elapsedMs: 1_000, totalMs: 2_000, total: 900 })).toBe(
      'warm-up [==========          ] 1s/2s (not counted)  sessions 200  12,346 req/s  p99 4.50 ms  requests 900  errors 3',
    );
    expect(formatStatusLine({ ...sample, phase: 'load' })).toBe(formatStatusLine(sample));
  });

  it('shows elapsed time and how to stop when open-ended', () => {
    expect(formatStatusLine({ ...sample, totalMs: 0 })).toMatch(/^5s elapsed \(Ctrl\+C to stop\)/);
  });
});

describe('LiveStatusLine', () => {
  it('redraws in place, fits the terminal width and clears before the summary', () => {
    let written = '';
    const stream = Object.assign(
      new Writable({
        write(chunk, _encoding, done) {
          written += String(chunk);
          done();
        },
      }),
      { columns: 40 },
    );
    const line = new LiveStatusLine(stream);
    line.draw(sample);
    expect(written.startsWith('\r\x1b[2K')).toBe(true);
    expect(written.length - '\r\x1b[2K'.length).toBe(39);
    written = '';
    line.clear();
    expect(written).toBe('\r\x1b[2K');
    written = '';
    line.clear();
    expect(written).toBe('');
  });
});
