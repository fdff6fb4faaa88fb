import { deepFreeze } from './freeze.js';
import { redactUrl } from './redact-url.js';
import type { EngineConfig, ScenarioStep } from './schema.js';

/** Replaces a secret header value in {@link redactConfig}'s copy. */
export const REDACTED = '[REDACTED]';

const SECRET_HEADERS: ReadonlySet<string> = new Set(['authorization', 'cookie', 'proxy-authorization']);

function redactHeaders(headers: Readonly<Record<string, string>>): Record<string, string> {
  const copy: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    copy[name] = SECRET_HEADERS.has(name.toLowerCase()) ? REDACTED : value;
  }
  return copy;
}

function redactStep(step: Readonly<ScenarioStep>): ScenarioStep {
  const copy: ScenarioStep = { ...step };
  if (step.url !== undefined) copy.url = redactUrl(step.url);
  if (step.headers !== undefined) copy.headers = redactHeaders(step.headers);
  if (step.capture !== undefined) copy.capture = { ...step.capture };
  if (Array.isArray(step.expect_status)) copy.expect_status = [...step.expect_status];
  return copy;
}

/**
 * A deeply frozen copy safe to print or log: values of the `authorization`,
 * `cookie` and `proxy-authorization` headers (top level and in scenario steps)
 * become `[REDACTED]`, and credentials in `target_url` and step URLs become `***`.
 */
export function redactConfig(config: Readonly<EngineConfig>): Readonly<EngineConfig> {
  return deepFreeze({
    ...config,
    target_url: redactUrl(config.target_url),
    headers: redactHeaders(config.headers),
    stages: config.stages.map((stage) => ({ ...stage })),
    scenario: config.scenario.map(redactStep),
  });
}
