import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { Flags } from '@oclif/core';
import { parseDuration } from '@session-engine/config';
import { checkRunId } from '@session-engine/runner';
import { buildK8sJob, DNS_LABEL, manifestYaml, type ShippedFile } from '../../k8s/job-manifest.js';
import { ReportCommand } from '../../report/report-command.js';
import Run from '../run.js';

/** Flags of engine run that the pods do not get: output and shard flags are the manifest's, files are shipped. */
const NOT_PASSED = new Set(['config', 'script', 'proxy-file', 'json', 'out', 'html', 'out-ndjson', 'demo', 'metrics-port', 'control-port', 'shard', 'run-id', 'start-at', 'max-start-lag']);
const PASSED = Object.fromEntries(Object.entries(Run.flags).filter(([name]) => !NOT_PASSED.has(name)));
const DEFAULT_IMAGE = 'node:20-slim';

function ms(value: string, flag: string): number {
  try {
    return parseDuration(/^\d+(\.\d+)?$/.test(value.trim()) ? `${value.trim()}s` : value.trim());
  } catch {
    throw new Error(`--${flag} "${value}" is not a duration; use a number with a unit, e.g. 2m, 30s`);
  }
}

export default class K8sJob extends ReportCommand {
  static override summary = 'Print a Kubernetes manifest (YAML) that runs engine run as N shards of an Indexed Job and merges their reports.';

  static override description = `Prints on stdout, for kubectl apply -f -: a ConfigMap with the run's files (--config, --script, --proxy-file), a ReadWriteMany PersistentVolumeClaim for the reports (or --reports-claim), an Indexed Job of --shards pods, pod k running "engine run --shard auto/N" (k from JOB_COMPLETION_INDEX) with one --run-id and --start-at (now + --lead) and writing /reports/<run-id>/shard-k.json, and a Job that waits for the N reports and runs "engine report merge" into /reports/<run-id>/report.json.

A shard never runs twice and so never doubles its load: completionMode Indexed, completions = parallelism = N, backoffLimitPerIndex 0, podReplacementPolicy Failed, restartPolicy Never. A pod not ready by start-at + --max-start-lag exits 75 and does not run.

The other flags are engine run's, passed to every shard as given (-s, -d, -r, -n, --threads, -H, --threshold, ...). Without --image the pods run the published CLI with npx on ${DEFAULT_IMAGE}; with --image, the image's "engine" command. See docs/distributed.md.`;

  static override examples = [
    {
      description: '4 shards of a config, starting 2 minutes from now',
      command: '<%= config.bin %> <%= command.id %> --shards 4 -c engine.json -d 5m --threads 2 | kubectl apply -f -',
    },
    {
      description: 'Your own image with the engine installed, an existing claim for the reports',
      command: '<%= config.bin %> <%= command.id %> --shards 10 -c engine.json --image registry.example.com/engine:1 --reports-claim engine-reports > run.yaml',
    },
  ];

  static override flags = {
    shards: Flags.integer({ summary: 'Shards (pods) of the run: the Indexed Job\'s completions and parallelism.', required: true, min: 1, max: 10_000 }),
    config: Flags.string({ char: 'c', summary: 'JSON config file: shipped in the ConfigMap, given to every shard.', helpValue: '<file>' }),
    script: Flags.string({ summary: 'Job module: shipped in the ConfigMap, given to every shard.', helpValue: '<file>' }),
    'proxy-file': Flags.string({ summary: 'Proxy list: shipped in the ConfigMap, given to every shard.', helpValue: '<file>' }),
    'run-id': Flags.string({ summary: 'The run id (default run-<UTC date and time>).', helpValue: '<id>' }),
    name: Flags.string({ summary: 'Prefix of the objects\' names, a DNS label (default engine-<run id>).', helpValue: '<name>' }),
    namespace: Flags.string({ summary: 'Namespace of the objects (default: kubectl\'s).', helpValue: '<namespace>' }),
    image: Flags.string({ summary: `Container image with the "engine" command (default: ${DEFAULT_IMAGE}, running the published CLI with npx).`, helpValue: '<image>' }),
    lead: Flags.string({ summary: 'From now to --start-at: time to schedule the pods, pull the image, create the sessions and run any --warmup.', default: '2m', helpValue: '<duration>' }),
    'max-start-lag': Flags.string({ summary: 'A shard ready later than start-at plus this exits 75 instead of running late.', default: '30s', helpValue: '<duration>' }),
    'reports-claim': Flags.string({ summary: 'An existing ReadWriteMany PersistentVolumeClaim for the reports (default: a 1Gi claim <name>-reports is created).', helpValue: '<claim>' }),
    'storage-class': Flags.string({ summary: 'Storage class of the created claim (default: the cluster\'s default).', helpValue: '<class>' }),
    'merge-wait': Flags.string({ summary: 'How long the merge Job waits for every shard\'s report before merging anyway.', default: '1h', helpValue: '<duration>' }),
    cpu: Flags.string({ summary: 'CPU of each shard\'s container (requests = limits), e.g. 2.', helpValue: '<cpu>' }),
    memory: Flags.string({ summary: 'Memory of each shard\'s container (requests = limits), e.g. 2Gi.', helpValue: '<memory>' }),
    ...PASSED,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(K8sJob);
    try {
      const now = new Date();
      const runId = checkRunId(flags['run-id'] ?? `run-${now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'z').toLowerCase()}`);
      const name = flags.name ?? `engine-${runId.toLowerCase().replace(/[^a-z0-9-]/g, '-')}`.slice(0, 50).replace(/-+$/, '');
      if (!DNS_LABEL.test(name) || name.length > 50) {
        throw new Error(`--name ${JSON.stringify(name)} is not a Kubernetes name prefix; use at most 50 lowercase letters, digits and "-", starting and ending with a letter or digit`);
      }
      const files: ShippedFile[] = [];
      const ship = (flag: string, path: string | undefined): void => {
        if (path === undefined) return;
        let content: string;
        try {
          content = readFileSync(path, 'utf8');
        } catch (error) {
          throw new Error(`--${flag} ${path} cannot be read (${(error as NodeJS.ErrnoException).code ?? String(error)}); check the path`);
        }
        const key = `${flag}-${basename(path)}`.replace(/[^-._a-zA-Z0-9]/g, '_');
        files.push({ flag: `--${flag}`, key, content });
      };
      ship('config', flags.config);
      ship('script', flags.script);
      ship('proxy-file', flags['proxy-file']);
      const config = files.find((file) => file.flag === '--config');
      let parsed: unknown;
      if (config !== undefined) {
        try {
          parsed = JSON.parse(config.content);
        } catch {
          parsed = undefined; // engine run reports it with the line and column
        }
        for (const key of ['script', 'proxy_file'] as const) {
          const value = (parsed as Record<string, unknown> | undefined)?.[key];
          if (typeof value === 'string' && value !== '') {
            throw new Error(`${flags.config} sets ${key} to a file (${value}), which the pods do not have; give it as a flag (--${key.replace('_', '-')} ${value}) so it is shipped in the ConfigMap`);
          }
        }
      }
      // A state file cannot be shipped: the ConfigMap is read-only, a pod's own disk is gone with the
      // pod, and the shards would each write their own copy. One Redis all pods reach keeps every shard's sessions.
      const stateFlag = (flags as Record<string, unknown>)['session-state'];
      const stateConfig = (parsed as Record<string, unknown> | undefined)?.['session_state'];
      for (const [where, value] of [['--session-state', stateFlag], [`${flags.config ?? 'the config'}'s session_state`, stateConfig]] as const) {
        if (typeof value === 'string' && value !== '' && !/^rediss?:\/\//i.test(value)) {
          throw new Error(`${where} is a file (${value}): in Kubernetes the pods cannot share or keep it (a ConfigMap is read-only and a pod's disk goes with the pod); use a redis:// URL that every pod reaches, e.g. --session-state redis://redis.default.svc:6379/0`);
        }
      }
      // Every shard must split the same way (the hash checks it): "auto" depends on the node a pod lands on, and nodes differ.
      const threadsValue = flags.threads ?? String((parsed as Record<string, unknown> | undefined)?.['threads'] ?? '');
      if (threadsValue.trim().toLowerCase() === 'auto') {
        throw new Error('threads "auto" depends on the node a pod lands on (its cores, or the CPU limit where Node.js reads the cgroup quota), so shards could split the run differently and their reports would not merge; give a number, e.g. --threads 2 with --cpu 2');
      }
      const runArgs: string[] = [];
      for (const key of Object.keys(PASSED)) {
        const value = (flags as Record<string, unknown>)[key];
        if (value === undefined) continue;
        if (typeof value === 'boolean') runArgs.push(value ? `--${key}` : `--no-${key}`);
        else if (Array.isArray(value)) for (const item of value) runArgs.push(`--${key}`, String(item));
        else runArgs.push(`--${key}`, String(value));
      }
      const lead = ms(flags.lead, 'lead');
      const startAt = new Date(Math.ceil((now.getTime() + lead) / 1000) * 1000);
      const objects = buildK8sJob({
        shards: flags.shards,
        name,
        runId,
        startAt,
        maxStartLagMs: ms(flags['max-start-lag'], 'max-start-lag'),
        runArgs,
        files,
        image: flags.image ?? DEFAULT_IMAGE,
        command: flags.image !== undefined ? ['engine'] : ['npx', '--yes', '--package', `@session-engine/cli@${this.config.version}`, 'engine'],
        mergeWaitSeconds: Math.ceil(ms(flags['merge-wait'], 'merge-wait') / 1000),
        ...(flags.namespace !== undefined ? { namespace: flags.namespace } : {}),
        ...(flags['reports-claim'] !== undefined ? { reportsClaim: flags['reports-claim'] } : {}),
        ...(flags['storage-class'] !== undefined ? { storageClass: flags['storage-class'] } : {}),
        ...(flags.cpu !== undefined || flags.memory !== undefined
          ? { resources: { ...(flags.cpu !== undefined ? { cpu: flags.cpu } : {}), ...(flags.memory !== undefined ? { memory: flags.memory } : {}) } }
          : {}),
      });
      const ns = flags.namespace !== undefined ? ` -n ${flags.namespace}` : '';
      process.stdout.write(
        manifestYaml(objects, [
          `session-engine ${this.config.version}: run ${runId}, ${flags.shards} shard(s), starting at ${startAt.toISOString()} (apply it before then)`,
          `kubectl apply${ns} -f <this file>`,
          `kubectl wait${ns} --for=condition=complete --timeout=2h job/${name}-merge`,
          `kubectl logs${ns} job/${name}-merge          # the merged summary; the report is ${runId}/report.json on the claim`,
        ]),
      );
    } catch (error) {
      this.fail(error);
    }
  }
}
