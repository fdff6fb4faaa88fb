import type { PathSegment } from './path.js';
import { formatPath } from './path.js';
import { redactUrl } from '@session-engine/redact';
import { closestKey } from './suggest.js';
import { BUILTIN_TEMPLATE_VARIABLES, templateVariables } from './template-variables.js';

/** A template problem, at its path from the config root (`scenario[2].headers.x-token`). */
export interface TemplateIssue {
  path: PathSegment[];
  message: string;
}

const MAX_DEPTH = 256;
const MAX_KNOWN_SHOWN = 20;
/** What a capture can name (the schema's rule for capture keys). */
const CAPTURABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The step's name as the runner shows it: its `name`, else `"<n>. <METHOD> <path or url>"`. */
function stepLabel(step: Record<string, unknown>, index: number): string {
  const name = step['name'];
  if (typeof name === 'string' && name !== '') return name;
  const method = typeof step['method'] === 'string' ? step['method'].toUpperCase() : 'GET';
  const target = typeof step['path'] === 'string' ? step['path'] : typeof step['url'] === 'string' ? redactUrl(step['url']) : '';
  return `${index + 1}. ${method} ${target}`;
}

function capturesOf(step: Record<string, unknown> | undefined): string[] {
  const capture = step?.['capture'];
  return isRecord(capture) ? Object.keys(capture) : [];
}

function knownList(known: readonly string[]): string {
  if (known.length <= MAX_KNOWN_SHOWN) return known.join(', ');
  return `${known.slice(0, MAX_KNOWN_SHOWN).join(', ')}, ... (${known.length - MAX_KNOWN_SHOWN} more)`;
}

function unknownVariableMessage(
  variable: string,
  index: number,
  steps: readonly (Record<string, unknown> | undefined)[],
  known: readonly string[],
): string {
  const head = `unknown template variable "{{${variable}}}" in step ${JSON.stringify(stepLabel(steps[index]!, index))}`;
  const tail = `use one of the variables known at this step: ${knownList(known)}`;
  if (!CAPTURABLE.test(variable)) {
    const field = variable.replace(/[^A-Za-z0-9_]+/g, '_');
    return `${head}: no capture can define it (capture names are letters, digits and "_"), and a template cannot read a field of a variable; capture the value itself, e.g. "capture": {"${field}": {"json": "$.${variable}"}}, or ${tail}`;
  }
  const later = steps.findIndex((step, at) => at >= index && capturesOf(step).includes(variable));
  if (later === index) {
    return `${head}: this step captures it, but a step's captures are available only from the next step on; capture it in an earlier step, or ${tail}`;
  }
  if (later > index) {
    const by = JSON.stringify(stepLabel(steps[later]!, later));
    return `${head}: it is captured only by a later step, ${by} (${formatPath(['scenario', later])}); move that capture to a step before this one, or ${tail}`;
  }
  const suggestion = closestKey(variable, known);
  const hint = suggestion === undefined ? '' : `did you mean "{{${suggestion}}}"? Otherwise `;
  return `${head}; ${hint}capture it in an earlier step, e.g. "capture": {"${variable}": {"json": "$.${variable}"}}, or ${tail}`;
}

/**
 * Every `{{variable}}` of a scenario that no earlier step captures and that is not built in. A
 * step's captures are available from the next step on (a `once` step's too: they outlive the
 * iteration). Reads defensively: the scenario may be raw input that failed other checks.
 */
export function scenarioTemplateIssues(scenario: unknown): TemplateIssue[] {
  if (!Array.isArray(scenario)) return [];
  const steps = scenario.map((step: unknown) => (isRecord(step) ? step : undefined));
  const known: string[] = [...BUILTIN_TEMPLATE_VARIABLES];
  const knownSet = new Set<string>(known);
  const issues: TemplateIssue[] = [];

  steps.forEach((step, index) => {
    if (step === undefined) return;
    const check = (text: unknown, path: PathSegment[]): void => {
      if (typeof text !== 'string') return;
      for (const variable of templateVariables(text)) {
        if (!knownSet.has(variable)) {
          issues.push({ path: ['scenario', index, ...path], message: unknownVariableMessage(variable, index, steps, known) });
        }
      }
    };
    const walkJson = (value: unknown, path: PathSegment[], depth: number): void => {
      if (depth > MAX_DEPTH) return;
      if (typeof value === 'string') check(value, path);
      else if (Array.isArray(value)) value.forEach((item: unknown, at) => walkJson(item, [...path, at], depth + 1));
      else if (isRecord(value)) for (const [key, item] of Object.entries(value)) walkJson(item, [...path, key], depth + 1);
    };

    check(step['url'], ['url']);
    check(step['path'], ['path']);
    const headers = step['headers'];
    if (isRecord(headers)) for (const [name, value] of Object.entries(headers)) check(value, ['headers', name]);
    check(step['body'], ['body']);
    walkJson(step['json'], ['json'], 0);

    for (const variable of capturesOf(step)) {
      if (!knownSet.has(variable)) {
        knownSet.add(variable);
        known.push(variable);
      }
    }
  });
  return issues;
}
