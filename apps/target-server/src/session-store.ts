import { randomBytes } from 'node:crypto';

export interface ServerSession {
  readonly id: string;
  /** Logged-in user, or null for an anonymous session issued by `GET /cookie`. */
  readonly user: string | null;
  counter: number;
}

/**
 * Server-side sessions keyed by a random cookie id. Bounded: when full, the oldest session is
 * evicted (Map iteration order is insertion order), so a cookie-less flood cannot exhaust memory.
 */
export class SessionStore {
  readonly #limit: number;
  readonly #sessions = new Map<string, ServerSession>();

  constructor(limit: number) {
    this.#limit = limit;
  }

  create(user: string | null): ServerSession {
    if (this.#sessions.size >= this.#limit) {
      const oldest = this.#sessions.keys().next();
      if (!oldest.done) this.#sessions.delete(oldest.value);
    }
    // 128 random bits: unguessable, and base64url needs no cookie-value escaping.
    const session: ServerSession = { id: randomBytes(16).toString('base64url'), user, counter: 0 };
    this.#sessions.set(session.id, session);
    return session;
  }

  get(id: string | undefined): ServerSession | undefined {
    return id === undefined ? undefined : this.#sessions.get(id);
  }

  delete(id: string | undefined): boolean {
    return id === undefined ? false : this.#sessions.delete(id);
  }

  get size(): number {
    return this.#sessions.size;
  }
}
