import { Command, Flags, type Interfaces } from '@oclif/core';
import { runEngine, type RunFlags } from '../run/run-engine.js';

export default class Run extends Command {
  static override summary = 'Run isolated HTTP sessions against a target and report throughput, latency and errors.';

  static override description = `Creates N isolated sessions (each with its own keep-alive pool, cookie jar, headers and proxy), drives them through a bounded worker pool in the closed model (every session busy back to back) or the open model (--rate: a fixed arrival rate), and prints a summary at the end.

Settings come from, lowest to highest: built-in defaults, the --config file, SESSION_ENGINE_* environment variables, and these flags. Durations take units: 250ms, 30s, 2m, 1h (a bare number of seconds is accepted on flags).

On a terminal a live status line shows progress; otherwise a metrics line is logged every metrics_interval. Ctrl+C (SIGINT) or SIGTERM stops gracefully: iterations in flight get --graceful-stop (default 30s) to finish, then their requests are aborted (error kind "interrupted") and the summary is printed. A second signal stops at once, prints what it has and exits 130.

The summary (or the --json document) is printed before --out and --html are written; they and --out-ndjson are checked before the first request. --out-ndjson gets one JSON line per timeline interval as it ends, then the report.

Thresholds (--threshold, config thresholds) are evaluated on the final report and shown in the summary; a trailing ! also stops the run when one is crossed (reason threshold).

Exit codes: 0 the run completed (even with failed requests) and no threshold was crossed, 1 bad config, flags (a malformed --threshold included), proxy file or script, a start-up failure, a thread that crashed (the report is marked partial), or an --out/--html/--out-ndjson that could not be written, 75 a shard was ready later than --start-at plus --max-start-lag (it did not run), 99 a threshold was crossed, 130 forced stop.`;

  static override examples = [
    {
      description: 'The embedded demo: a local target server and a login scenario, 200 sessions for 10 s',
      command: '<%= config.bin %> <%= command.id %> --demo',
    },
    {
      description: '50 sessions hitting a URL for 30 seconds',
      command: '<%= config.bin %> <%= command.id %> -t http://127.0.0.1:8080/ -s 50 -d 30s',
    },
    {
      description: 'Open model: 500 requests per second for one minute, through rotated proxies',
      command: '<%= config.bin %> <%= command.id %> -t http://127.0.0.1:8080/ -r 500 -d 1m --proxy-file proxies.txt',
    },
    {
      description: 'A config file with a scenario, one header added, JSON report written to a file',
      command: '<%= config.bin %> <%= command.id %> -c engine.json -H "x-tenant: blue" --json --out report.json',
    },
    {
      description: 'The demo, with an HTML report to open in a browser (no network needed)',
      command: '<%= config.bin %> <%= command.id %> --demo -d 5s --html report.html',
    },
    {
      description: 'Fail a CI job (exit 99) when p95 latency or the error rate is too high, measured after a 2 s warm-up; stream results as NDJSON',
      command: '<%= config.bin %> <%= command.id %> -c engine.json --warmup 2s --threshold "p(95)<300ms" --threshold "error_rate<1%" --out-ndjson results.ndjson',
    },
    {
      description: 'Sessions stay logged in across runs: the second run restores cookies and captures, and skips the login (a once step)',
      command: '<%= config.bin %> <%= command.id %> -c engine.json --session-state state.json',
    },
    {
      description: 'Every core: the run split across one worker thread per core, one merged report',
      command: '<%= config.bin %> <%= command.id %> -t http://127.0.0.1:8080/ -s 1000 -d 1m --threads auto',
    },
    {
      description: 'Shard 1 of 3 of one run (one per machine), all starting at one time; merge the three reports with engine report merge',
      command: '<%= config.bin %> <%= command.id %> -c engine.json --shard 1/3 --run-id nightly-42 --start-at 2026-11-28T12:00:00Z --out shard-1.json',
    },
    {
      description: 'A custom job script, 1000 iterations in total',
      command: '<%= config.bin %> <%= command.id %> -t http://127.0.0.1:8080 --script ./job.mjs -n 1000',
    },
  ];

  static override flags = {
    config: Flags.string({ char: 'c', summary: 'JSON config file (seed format: snake_case keys).', helpValue: '<file>' }),
    target: Flags.string({ char: 't', summary: 'Target base URL (config target_url).', helpValue: '<url>' }),
    sessions: Flags.integer({ char: 's', summary: 'Number of sessions (config number_of_sessions, default 500).', min: 1 }),
    workers: Flags.integer({ char: 'w', summary: 'Worker pool size (config workers, default = sessions).', min: 1 }),
    threads: Flags.string({ summary: 'Split the run across this many worker threads to use more cores, or auto (one per core); the report is the merged run (config threads, default 1).', helpValue: '<n|auto>' }),
    shard: Flags.string({
      summary: 'Run one shard of a run spread over several processes or machines: <index>/<count>, 0-based, or auto/<count> (index from JOB_COMPLETION_INDEX, as a Kubernetes Indexed Job sets it); merge the reports with engine report merge.',
      helpValue: '<i/N|auto/N>',
    }),
    'run-id': Flags.string({ summary: 'With --shard: the run id, the same for every shard (recorded in the report; engine report merge refuses reports of different runs).', helpValue: '<id>' }),
    'start-at': Flags.string({ summary: 'With --shard: start the load at this ISO 8601 time with a time zone (e.g. 2026-11-28T12:00:00Z), after the sessions exist; give every shard the same.', helpValue: '<time>' }),
    'max-start-lag': Flags.string({ summary: 'With --start-at: a shard ready later than start-at plus this (e.g. 5s) does not run and exits 75.', helpValue: '<duration>' }),
    duration: Flags.string({ char: 'd', summary: 'Stop after this long, e.g. 30s, 2m (config duration).', helpValue: '<duration>' }),
    iterations: Flags.integer({ char: 'n', summary: 'Stop after this many job starts in total (config iterations).', min: 1 }),
    rate: Flags.integer({ char: 'r', summary: 'Open model: job starts per second (config rate).', min: 1 }),
    'proxy-file': Flags.string({ summary: 'Newline-delimited proxy list: http://, https://, socks4://, socks5:// (config proxy_file).', helpValue: '<file>' }),
    header: Flags.string({ char: 'H', summary: 'Header sent by every session, "Name: value" (repeatable; adds to config headers).', multiple: true, helpValue: '<header>' }),
    method: Flags.string({ char: 'm', summary: 'HTTP method of the default job (config method, default GET).' }),
    body: Flags.string({ summary: 'Request body of the default job (config body).' }),
    script: Flags.string({ summary: 'Job module (.mjs, .js or .ts) exporting default async (session, context) => {} (config script).', helpValue: '<file>' }),
    timeout: Flags.string({ summary: 'Per-request timeout, e.g. 5s (config request_timeout, default 30s).', helpValue: '<duration>' }),
    'graceful-stop': Flags.string({ summary: 'After a stop, how long in-flight iterations may take to finish, e.g. 10s (config graceful_stop, default 30s).', helpValue: '<duration>' }),
    warmup: Flags.string({
      summary: "Run the load this long before the load window, its results not kept (config warmup, default 0): the window starts with the engine's code optimised and the target warm.",
      helpValue: '<duration>',
    }),
    retries: Flags.integer({ summary: 'Retries on network errors, 429 and 503 (config max_retries, default 3).', min: 0 }),
    'max-redirects': Flags.integer({ summary: 'Redirects a request follows through its session, cookies included; 0 = the 3xx is the response (config max_redirects, default 10).', min: 0 }),
    insecure: Flags.boolean({ summary: 'Accept invalid TLS certificates (config insecure_tls).', allowNo: true }),
    preconnect: Flags.boolean({
      summary: "Open each session's first connection before the load starts (config preconnect, default on); --no-preconnect connects on the first request.",
      allowNo: true,
    }),
    'log-level': Flags.string({ summary: 'Log level on stderr (config log_level).', options: ['debug', 'info', 'warn', 'error'] }),
    json: Flags.boolean({ summary: 'Print the report as one JSON document on stdout instead of the summary.' }),
    out: Flags.string({ summary: 'Also write the JSON report to this file (atomically).', helpValue: '<file>' }),
    html: Flags.string({ summary: 'Also write a self-contained HTML report (charts, tables; works offline) to this file.', helpValue: '<file>' }),
    'metrics-port': Flags.integer({ summary: 'Serve Prometheus metrics on http://127.0.0.1:<port>/metrics while running (0 = any free port).', min: 0, max: 65535 }),
    'control-port': Flags.integer({
      summary: 'Serve the control API (status, live sessions/rate/pause/log level, stop, report, events) on this port while running (0 = any free port, logged); bearer token from SESSION_ENGINE_CONTROL_TOKEN or printed once on stderr.',
      min: 0,
      max: 65535,
    }),
    demo: Flags.boolean({ summary: 'Start the demo target server in-process and run the login scenario against it.' }),
    threshold: Flags.string({
      summary: 'Pass/fail criterion, e.g. "p(95)<300ms", "error_rate<1%", "p(99){step:login}<1s"; a trailing ! stops the run when crossed (repeatable; adds to config thresholds). Exit 99 when one is crossed.',
      multiple: true,
      helpValue: '<expr>',
    }),
    'out-ndjson': Flags.string({
      summary: 'Stream results to this file: one JSON line per timeline interval as it ends, then a line with the whole report.',
      helpValue: '<file>',
    }),
    'session-state': Flags.string({
      summary:
        "Keep sessions' cookies, captures, proxy and done once steps between runs, in a JSON file or redis://host:port: restored before the load, saved every 30s and at the end (config session_state).",
      helpValue: '<file|redis-url>',
    }),
    'session-state-reset': Flags.boolean({ summary: 'Start fresh: restore nothing from --session-state and overwrite it (config session_state_reset).' }),
  };

  /** Flag errors (unknown flag, bad value) exit 1 like every other bad input, not oclif's 2. */
  protected override async catch(error: Interfaces.CommandError): Promise<unknown> {
    if ((error as { oclif?: { exit?: number } }).oclif?.exit === 2) {
      this.logToStderr(`error: ${error.message.replace(/\n\s*See more help with --help\s*$/, '')}\nSee: engine run --help`);
      this.exit(1);
    }
    return super.catch(error);
  }

  async run(): Promise<void> {
    const { flags } = await this.parse(Run);
    const code = await runEngine(flags as RunFlags, { version: this.config.version });
    // Exit now, whatever the code: a job the run gave up on (interrupted) must not keep the process alive.
    this.exit(code);
  }
}
