/**
 * Errors of live control (`RunControl` and the control API). The HTTP API
 * answers with the same codes in its error bodies.
 */
import { RunnerError } from '../errors.js';

/** `RunControl.status()`, `update()`, `stop()` or `report()` outside a run: before `run()` set it up, or after it ended. HTTP 409. */
export class ControlNotRunningError extends RunnerError {
  constructor() {
    super('the run is not running (not started yet, or already ended): live control works from the start of the warm-up, or of the load window without one, until run() resolves', 'SE_ERR_RUNNER_CONTROL_NOT_RUNNING');
    this.name = 'ControlNotRunningError';
  }
}

/** A change the run cannot take in its state: `rate` in the closed model, any change while stopping. HTTP 409. */
export class ControlConflictError extends RunnerError {
  constructor(message: string) {
    super(message, 'SE_ERR_RUNNER_CONTROL_CONFLICT');
    this.name = 'ControlConflictError';
  }
}

/** A change with a bad value (`RunControl.update()` from a program; the HTTP API answers 400 with the same messages). */
export class ControlInvalidArgumentError extends RunnerError {
  /** Each problem: the field and what is wrong with it. */
  readonly issues: readonly { field: string; message: string }[];

  constructor(issues: readonly { field: string; message: string }[]) {
    const lines = issues.map((issue) => `${issue.field === '' ? '(body)' : issue.field}: ${issue.message}`);
    super(`invalid change (${issues.length === 1 ? '1 problem' : `${issues.length} problems`}): ${lines.join('; ')}`, 'SE_ERR_RUNNER_INVALID_ARGUMENT');
    this.name = 'ControlInvalidArgumentError';
    this.issues = issues;
  }
}

/** The control API could not listen (port in use, address not available). Stops the run before it starts. */
export class ControlServerError extends RunnerError {
  constructor(message: string, options?: ErrorOptions) {
    super(message, 'SE_ERR_RUNNER_CONTROL_LISTEN', options);
    this.name = 'ControlServerError';
  }
}
