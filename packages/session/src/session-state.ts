/**
 * Lifecycle of a session:
 *
 *   idle --activate--> active --pause--> paused --resume--> active
 *   any state --close--> closed   (final; close is idempotent)
 */
export type SessionState = 'idle' | 'active' | 'paused' | 'closed';
