/**
 * Scenario templates: `{{name}}` (spaces allowed inside the braces) in a step's url, path, header
 * values, body and the strings of its json is replaced by a session variable. One grammar, used by
 * the config check at load and by the runner.
 */

/** Variables every session has without a capture: its id and the iteration number. */
export const BUILTIN_TEMPLATE_VARIABLES: readonly ['session_id', 'iteration'] = Object.freeze(['session_id', 'iteration'] as const);

/** `{{ name }}`, name `[A-Za-z_][\w.-]*`. Text that does not match (`{{ a b }}`, `{{1}}`) is not a placeholder and is sent as is. */
const PLACEHOLDER = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;

/**
 * The variable names the placeholders of `text` use, each once, in order of first use:
 * `"/users/{{ user }}?n={{iteration}}&u={{user}}"` -> `['user', 'iteration']`.
 */
export function templateVariables(text: string): string[] {
  if (!text.includes('{{')) return [];
  const names = new Set<string>();
  for (const match of text.matchAll(PLACEHOLDER)) names.add(match[1]!);
  return [...names];
}
