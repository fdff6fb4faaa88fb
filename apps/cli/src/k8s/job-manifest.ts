/**
 * The Kubernetes manifest of a sharded run (`engine k8s job`): a ConfigMap
 * with the run's files, a claim for the reports, an Indexed Job whose pod k
 * runs `engine run --shard auto/N` (index from JOB_COMPLETION_INDEX) with one
 * `--start-at` for all, and a Job that waits for the N reports and merges them.
 *
 * The Indexed Job never runs a shard twice (that would double its load):
 * `backoffLimitPerIndex: 0` (a failed index is not retried),
 * `podReplacementPolicy: Failed` (no replacement pod while the old one is
 * still terminating), `restartPolicy: Never` (no restart in place).
 */
import { stringify } from 'yaml';
import type { K8sConfigMap, K8sContainer, K8sJob, K8sObject, K8sPersistentVolumeClaim } from './objects.js';

export type { K8sObject } from './objects.js';

/** A file the shards read (config, script, proxy list), shipped in the ConfigMap. */
export interface ShippedFile {
  /** The flag that names it: `--config`, `--script`, `--proxy-file`. */
  flag: string;
  /** The key in the ConfigMap and the file name under /etc/engine. */
  key: string;
  content: string;
}

export interface K8sJobOptions {
  /** Shards: the Job's completions and parallelism. */
  shards: number;
  /** Object names' prefix and the `app.kubernetes.io/instance` label (a DNS-1123 label). */
  name: string;
  runId: string;
  /** The common start time of the shards. */
  startAt: Date;
  /** A shard ready later than startAt + this exits 75 instead of running out of step. */
  maxStartLagMs: number;
  /** Flags of `engine run` (besides the shard's and the files'), as the pods get them. */
  runArgs: readonly string[];
  files: readonly ShippedFile[];
  image: string;
  /** The engine's command in the image: `['engine']`, or `npx` of the published CLI on a plain Node image. */
  command: readonly string[];
  namespace?: string;
  /** An existing ReadWriteMany claim for the reports; default: one is created (`<name>-reports`). */
  reportsClaim?: string;
  /** Storage class of the created claim (default: the cluster's default). */
  storageClass?: string;
  /** How long the merge Job waits for the N reports, in seconds. */
  mergeWaitSeconds: number;
  /** Node's heap etc.: resources of each shard's container. */
  resources?: { cpu?: string; memory?: string };
}

const CONFIG_DIR = '/etc/engine';
const REPORTS_DIR = '/reports';

/** A DNS-1123 label (Kubernetes names): lowercase letters, digits and '-', at most 63. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

function seconds(ms: number): string {
  return `${Math.max(0, Math.round(ms / 1000))}s`;
}

/** Quotes a word for `sh -c`. */
function shellQuote(word: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`;
}

/** The manifest's objects, in the order to apply them. */
export function buildK8sJob(options: K8sJobOptions): K8sObject[] {
  const { name, shards, runId } = options;
  const labels = { 'app.kubernetes.io/name': 'session-engine', 'app.kubernetes.io/instance': name, 'session-engine/run-id': runId };
  const meta = (suffix: string, component: string) => ({
    name: `${name}-${suffix}`,
    ...(options.namespace !== undefined ? { namespace: options.namespace } : {}),
    labels: { ...labels, 'app.kubernetes.io/component': component },
  });
  const claim = options.reportsClaim ?? `${name}-reports`;
  const runDir = `${REPORTS_DIR}/${runId}`;
  const volumes = [
    { name: 'files', configMap: { name: `${name}-files` } },
    { name: 'reports', persistentVolumeClaim: { claimName: claim } },
  ];
  const mounts = [
    { name: 'files', mountPath: CONFIG_DIR, readOnly: true },
    { name: 'reports', mountPath: REPORTS_DIR },
  ];
  const fileArgs = options.files.flatMap((file) => [file.flag, `${CONFIG_DIR}/${file.key}`]);

  const configMap: K8sConfigMap = {
    apiVersion: 'v1',
    kind: 'ConfigMap',
    metadata: meta('files', 'files'),
    data: Object.fromEntries(options.files.map((file) => [file.key, file.content])),
  };
  const objects: K8sObject[] = [configMap];
  if (options.reportsClaim === undefined) {
    const pvc: K8sPersistentVolumeClaim = {
      apiVersion: 'v1',
      kind: 'PersistentVolumeClaim',
      metadata: meta('reports', 'reports'),
      spec: {
        // Shards on different nodes write to it, the merge reads it: ReadWriteMany.
        accessModes: ['ReadWriteMany'],
        resources: { requests: { storage: '1Gi' } },
        ...(options.storageClass !== undefined ? { storageClassName: options.storageClass } : {}),
      },
    };
    objects.push(pvc);
  }

  const shard: K8sContainer = {
    name: 'engine',
    image: options.image,
    command: [...options.command],
    args: [
      'run',
      ...fileArgs,
      ...options.runArgs,
      '--shard',
      `auto/${shards}`,
      '--run-id',
      runId,
      '--start-at',
      options.startAt.toISOString(),
      '--max-start-lag',
      seconds(options.maxStartLagMs),
      '--out',
      // $(VAR) is expanded by Kubernetes from the container's env.
      `${runDir}/shard-$(JOB_COMPLETION_INDEX).json`,
    ],
    env: [
      // Set by the Job controller too; declared so $(JOB_COMPLETION_INDEX) in args is expanded on every version.
      { name: 'JOB_COMPLETION_INDEX', valueFrom: { fieldRef: { fieldPath: "metadata.annotations['batch.kubernetes.io/job-completion-index']" } } },
    ],
    volumeMounts: mounts,
    ...(options.resources !== undefined
      ? { resources: { requests: { ...options.resources }, limits: { ...options.resources } } }
      : {}),
  };
  const shardsJob: K8sJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta('shards', 'shards'),
    spec: {
      completionMode: 'Indexed',
      completions: shards,
      parallelism: shards,
      // A shard never runs twice: a failed index is not retried, and no replacement pod starts while one terminates.
      backoffLimitPerIndex: 0,
      podReplacementPolicy: 'Failed',
      template: {
        metadata: { labels: { ...labels, 'app.kubernetes.io/component': 'shard' } },
        spec: {
          restartPolicy: 'Never',
          // The output directory, once for all shards.
          initContainers: [{ name: 'reports-dir', image: options.image, command: ['mkdir', '-p', runDir], volumeMounts: mounts }],
          containers: [shard],
          volumes,
        },
      },
    },
  };
  objects.push(shardsJob);

  // Waits until every shard wrote its report (atomically: a file is complete once it has its name), then merges.
  const engine = options.command.map(shellQuote).join(' ');
  const script = [
    `waited=0`,
    `while [ "$(ls ${runDir}/shard-*.json 2>/dev/null | wc -l)" -lt ${shards} ] && [ "$waited" -lt ${options.mergeWaitSeconds} ]; do sleep 5; waited=$((waited + 5)); done`,
    `exec ${engine} report merge ${runDir}/shard-*.json --out ${runDir}/report.json --expect-shards ${shards}`,
  ].join('\n');
  const mergeJob: K8sJob = {
    apiVersion: 'batch/v1',
    kind: 'Job',
    metadata: meta('merge', 'merge'),
    spec: {
      completions: 1,
      parallelism: 1,
      backoffLimit: 0,
      template: {
        metadata: { labels: { ...labels, 'app.kubernetes.io/component': 'merge' } },
        spec: {
          restartPolicy: 'Never',
          containers: [{ name: 'merge', image: options.image, command: ['sh', '-c', script], volumeMounts: mounts }],
          volumes,
        },
      },
    },
  };
  objects.push(mergeJob);
  return objects;
}

/** The objects as one YAML stream (documents separated by `---`), after a comment saying how to use it. */
export function manifestYaml(objects: readonly K8sObject[], header: readonly string[]): string {
  const comment = header.map((line) => `# ${line}`.trimEnd()).join('\n');
  return `${comment}\n${objects.map((object) => `---\n${stringify(object, { lineWidth: 0, aliasDuplicateObjects: false })}`).join('')}`;
}
