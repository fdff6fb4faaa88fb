import { Job, type IJob } from 'kubernetes-models/batch/v1';
import { ConfigMap, PersistentVolumeClaim, type IConfigMap, type IPersistentVolumeClaim } from 'kubernetes-models/v1';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { buildK8sJob, manifestYaml, type K8sJobOptions, type K8sObject } from './job-manifest.js';

const options: K8sJobOptions = {
  shards: 3,
  name: 'engine-nightly',
  runId: 'nightly-42',
  startAt: new Date('2026-11-28T12:00:00Z'),
  maxStartLagMs: 30_000,
  runArgs: ['--sessions', '300', '--duration', '5m', '--threads', '2'],
  files: [{ flag: '--config', key: 'config-engine.json', content: '{"target_url": "https://example.com"}\n' }],
  image: 'node:20-slim',
  command: ['npx', '--yes', '--package', '@session-engine/cli@0.1.0', 'engine'],
  mergeWaitSeconds: 3600,
};

/**
 * Validates each object against the Kubernetes OpenAPI schema of its kind (kubernetes-models); throws on the first invalid one.
 * The typed assignments are the compile-time half: the CLI's local object types (./objects.ts) must stay subsets of the API's.
 */
function validate(object: K8sObject): void {
  if (object.kind === 'Job') {
    const job: IJob = object;
    new Job(job).validate();
  } else if (object.kind === 'ConfigMap') {
    const configMap: IConfigMap = object;
    new ConfigMap(configMap).validate();
  } else {
    const claim: IPersistentVolumeClaim = object;
    new PersistentVolumeClaim(claim).validate();
  }
}

describe('the Kubernetes manifest of a sharded run', () => {
  it('is a ConfigMap, a claim, an Indexed Job that never runs a shard twice, and the merge Job, all valid against the schema', () => {
    const objects = buildK8sJob(options);
    expect(objects.map((o) => `${o.kind}/${o.metadata?.name}`)).toEqual([
      'ConfigMap/engine-nightly-files',
      'PersistentVolumeClaim/engine-nightly-reports',
      'Job/engine-nightly-shards',
      'Job/engine-nightly-merge',
    ]);
    for (const object of objects) validate(object);
    const shards = objects[2] as Extract<K8sObject, { kind: 'Job' }>;
    expect(shards.spec).toMatchObject({ completionMode: 'Indexed', completions: 3, parallelism: 3, backoffLimitPerIndex: 0, podReplacementPolicy: 'Failed' });
    expect(shards.spec?.template.spec?.restartPolicy).toBe('Never');
    const container = shards.spec!.template.spec!.containers[0]!;
    expect(container.args).toEqual([
      'run',
      '--config',
      '/etc/engine/config-engine.json',
      '--sessions',
      '300',
      '--duration',
      '5m',
      '--threads',
      '2',
      '--shard',
      'auto/3',
      '--run-id',
      'nightly-42',
      '--start-at',
      '2026-11-28T12:00:00.000Z',
      '--max-start-lag',
      '30s',
      '--out',
      '/reports/nightly-42/shard-$(JOB_COMPLETION_INDEX).json',
    ]);
    expect(container.env?.[0]?.name).toBe('JOB_COMPLETION_INDEX');
    const merge = objects[3] as Extract<K8sObject, { kind: 'Job' }>;
    const script = merge.spec!.template.spec!.containers[0]!.command!.join(' ');
    expect(script).toMatch(/-lt 3 \]/);
    expect(script).toMatch(/report merge \/reports\/nightly-42\/shard-\*\.json --out \/reports\/nightly-42\/report\.json --expect-shards 3/);
  });

  it('uses an existing claim instead of creating one, and the schema catches an invalid object', () => {
    const objects = buildK8sJob({ ...options, reportsClaim: 'shared-reports', namespace: 'load', resources: { cpu: '2', memory: '2Gi' } });
    expect(objects.map((o) => o.kind)).toEqual(['ConfigMap', 'Job', 'Job']);
    for (const object of objects) validate(object);
    expect(objects.every((o) => o.metadata?.namespace === 'load')).toBe(true);
    // The validation is real: a wrong type in the spec is refused.
    const broken = structuredClone(objects[1]) as Extract<K8sObject, { kind: 'Job' }>;
    (broken.spec as unknown as Record<string, unknown>)['completions'] = 'three';
    expect(() => validate(broken)).toThrow();
  });

  it('prints one YAML stream that parses back to the same objects', () => {
    const objects = buildK8sJob(options);
    const text = manifestYaml(objects, ['kubectl apply -f <this file>']);
    expect(text.startsWith('# kubectl apply -f <this file>\n---\n')).toBe(true);
    const documents = parseAllDocuments(text);
    expect(Array.isArray(documents) ? documents.map((d) => d.toJS() as unknown) : []).toEqual(objects);
  });
});
