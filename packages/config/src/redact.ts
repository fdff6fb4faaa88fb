import { REDACTED, redactBody, redactHeaders, redactUrl } from '@session-engine/redact';
import { deepFreeze } from './freeze.js';
import type { EngineConfig, ScenarioStep } from './schema.js';

/** What a redacted value becomes in {@link redactConfig}'s copy: the one placeholder of @session-engine/redact. */
export { REDACTED };

function redactStep(step: Readonly<ScenarioStep>): ScenarioStep {
  const copy: ScenarioStep = { ...step };
  if (step.url !== undefined) copy.url = redactUrl(step.url);
  if (step.headers !== undefined) copy.headers = redactHeaders(step.headers);
  if (step.body !== undefined) copy.body = redactBody(step.body);
  if (step.json !== undefined) copy.json = redactBody(step.json);
  if (step.capture !== undefined) copy.capture = { ...step.capture };
  if (Array.isArray(step.expect_status)) copy.expect_status = [...step.expect_status];
  return copy;
}

/**
 * A deeply frozen copy safe to print or log, redacted by @session-engine/redact:
 * secret header values (`authorization`, `proxy-authorization`, `cookie`,
 * `set-cookie` and any name containing `token`, `secret`, `password`,
 * `api-key`/`api_key`/`apikey`; top level and in scenario steps), the request
 * `body` (top level and in steps) and a step's `json` become `[REDACTED]`
 * (an empty body stays empty), and credentials in `target_url`, step URLs and a
 * `session_state` Redis URL become `***`.
 */
export function redactConfig(config: Readonly<EngineConfig>): Readonly<EngineConfig> {
  return deepFreeze({
    ...config,
    target_url: redactUrl(config.target_url),
    session_state: redactUrl(config.session_state),
    headers: redactHeaders(config.headers),
    body: redactBody(config.body),
    stages: config.stages.map((stage) => ({ ...stage })),
    scenario: config.scenario.map(redactStep),
  });
}
