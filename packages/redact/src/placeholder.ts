/**
 * What every redacted value becomes, in logs, printed configs and reports
 * alike: one spelling, so a search for it finds every censored value.
 */
export const REDACTED = '[REDACTED]';
