/**
 * Kept only for the modules of this package that still import it from here
 * (schema.ts, scenario-templates.ts): the one implementation is
 * @session-engine/redact's. Import it from there; delete this file once
 * nothing imports it.
 */
export { redactUrl } from '@session-engine/redact';
