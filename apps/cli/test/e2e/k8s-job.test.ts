/**
 * `engine k8s job`, the built binary: the YAML it prints parses, every object
 * validates against the Kubernetes schema (kubernetes-models; kubectl cannot
 * validate without a cluster), and the shards' args are engine run's flags
 * with the shard's own; a config naming a file the pods do not have is refused.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Job } from 'kubernetes-models/batch/v1';
import { ConfigMap, PersistentVolumeClaim } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { runEngine } from './processes.js';

const dir = mkdtempSync(join(tmpdir(), 'engine-e2e-k8s-'));

interface K8sObject {
  kind: string;
  metadata: { name: string };
  spec?: { template?: { spec?: { containers: { args?: string[] }[] } } };
  data?: Record<string, string>;
}

describe('engine k8s job', () => {
  it('prints a manifest whose objects validate, with the run flags, the shipped config and --shard auto/N for every pod', async () => {
    const config = join(dir, 'engine.json');
    writeFileSync(config, '{"target_url": "https://example.com/", "number_of_sessions": 40}\n');
    const before = Date.now();
    const result = await runEngine(['k8s', 'job', '--shards', '4', '-c', config, '-d', '2m', '--threads', '2', '--threshold', 'p(95)<300ms', '--run-id', 'nightly-7', '--lead', '90s']);
    expect(result.code, result.stderr).toBe(0);
    const objects = parseAllDocuments(result.stdout).map((document) => document.toJS() as K8sObject);
    expect(objects.map((o) => `${o.kind}/${o.metadata.name}`)).toEqual([
      'ConfigMap/engine-nightly-7-files',
      'PersistentVolumeClaim/engine-nightly-7-reports',
      'Job/engine-nightly-7-shards',
      'Job/engine-nightly-7-merge',
    ]);
    for (const object of objects) {
      if (object.kind === 'Job') new Job(object as never).validate();
      else if (object.kind === 'ConfigMap') new ConfigMap(object as never).validate();
      else new PersistentVolumeClaim(object as never).validate();
    }
    expect(objects[0]!.data).toEqual({ 'config-engine.json': '{"target_url": "https://example.com/", "number_of_sessions": 40}\n' });
    const args = objects[2]!.spec!.template!.spec!.containers[0]!.args!;
    expect(args.slice(0, 9)).toEqual(['run', '--config', '/etc/engine/config-engine.json', '--threads', '2', '--duration', '2m', '--threshold', 'p(95)<300ms']);
    expect(args).toEqual(expect.arrayContaining(['--shard', 'auto/4', '--run-id', 'nightly-7', '--max-start-lag', '30s']));
    const startAt = Date.parse(args[args.indexOf('--start-at') + 1]!);
    expect(startAt).toBeGreaterThanOrEqual(before + 90_000);
    expect(startAt).toBeLessThan(Date.now() + 92_000);
  });

  it('refuses a config that names a file the pods would not have', async () => {
    const config = join(dir, 'with-script.json');
    writeFileSync(config, '{"target_url": "https://example.com/", "script": "./job.mjs"}\n');
    const result = await runEngine(['k8s', 'job', '--shards', '2', '-c', config]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/^error: .*with-script.json sets script to a file \(\.\/job\.mjs\), which the pods do not have; give it as a flag \(--script \.\/job\.mjs\)/m);
    expect(result.stdout).toBe('');
  });

  it('refuses a session state file, from the flag or the config, and passes a redis:// URL on', async () => {
    const config = join(dir, 'with-state.json');
    writeFileSync(config, '{"target_url": "https://example.com/", "session_state": "state.json"}\n');
    for (const args of [['-c', config], ['-t', 'https://example.com/', '--session-state', 'state.json']]) {
      const result = await runEngine(['k8s', 'job', '--shards', '2', ...args]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: .*is a file \(state\.json\): in Kubernetes the pods cannot share or keep it .*use a redis:\/\/ URL/m);
      expect(result.stdout).toBe('');
    }
    const redis = await runEngine(['k8s', 'job', '--shards', '2', '-t', 'https://example.com/', '--session-state', 'redis://redis:6379/0']);
    expect(redis.code, redis.stderr).toBe(0);
    const job = parseAllDocuments(redis.stdout).map((document) => document.toJS() as K8sObject).find((o) => o.metadata.name.endsWith('-shards'))!;
    expect(job.spec!.template!.spec!.containers[0]!.args).toEqual(expect.arrayContaining(['--session-state', 'redis://redis:6379/0']));
  });

  it('refuses threads "auto", which would split the run by whatever node each pod lands on', async () => {
    const config = join(dir, 'auto-threads.json');
    writeFileSync(config, '{"target_url": "https://example.com/", "threads": "auto"}\n');
    for (const args of [['-c', config], ['--threads', 'auto']]) {
      const result = await runEngine(['k8s', 'job', '--shards', '2', ...args]);
      expect(result.code).toBe(1);
      expect(result.stderr).toMatch(/^error: threads "auto" depends on the node a pod lands on .*give a number, e.g. --threads 2/m);
    }
  });
});
