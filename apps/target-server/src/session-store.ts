import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ServerSession {
  readonly id: string;
  /** Logged-in user, or null for an anonymous session issued by `GET /cookie`. */
  readonly user: string | null;
  counter: number;
}

/**
 * Server-side sessions keyed by a random cookie id. Bounded: when full, the oldest session is
 * evicted (Map iteration order is insertion order), so a cookie-less flood cannot exhaust memory.
 *
 * With a `secret`, ids are signed (`<random>.<user>.<hmac>`), so a server started later with
 * the same secret recognises a session an earlier process issued (`resume`), as a real site's
 * sessions outlive a restart of one of its servers: what `engine run --session-state` relies on.
 */
export class SessionStore {
  readonly #limit: number;
  readonly #secret: string | undefined;
  readonly #sessions = new Map<string, ServerSession>();

  constructor(limit: number, secret?: string) {
    this.#limit = limit;
    this.#secret = secret === '' ? undefined : secret;
  }

  create(user: string | null): ServerSession {
    // 128 random bits: unguessable, and base64url needs no cookie-value escaping.
    const random = randomBytes(16).toString('base64url');
    let id = random;
    if (this.#secret !== undefined) {
      const payload = `${random}.${Buffer.from(JSON.stringify(user)).toString('base64url')}`;
      id = `${payload}.${this.#sign(payload)}`;
    }
    return this.#add({ id, user, counter: 0 });
  }

  get(id: string | undefined): ServerSession | undefined {
    return id === undefined ? undefined : this.#sessions.get(id);
  }

  /**
   * A session this server does not hold but whose id carries a valid signature (issued by an
   * earlier process with the same secret): admitted again, its counter from 0. Undefined without
   * a secret, or for an id that is not signed by it.
   */
  resume(id: string | undefined): ServerSession | undefined {
    if (id === undefined || this.#secret === undefined) return undefined;
    const parts = id.split('.');
    if (parts.length !== 3) return undefined;
    const payload = `${parts[0]}.${parts[1]}`;
    const expected = Buffer.from(this.#sign(payload));
    const given = Buffer.from(parts[2]!);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    let user: unknown;
    try {
      user = JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8'));
    } catch {
      return undefined;
    }
    if (user !== null && typeof user !== 'string') return undefined;
    return this.#add({ id, user, counter: 0 });
  }

  delete(id: string | undefined): boolean {
    return id === undefined ? false : this.#sessions.delete(id);
  }

  get size(): number {
    return this.#sessions.size;
  }

  #add(session: ServerSession): ServerSession {
    if (this.#sessions.size >= this.#limit) {
      const oldest = this.#sessions.keys().next();
      if (!oldest.done) this.#sessions.delete(oldest.value);
    }
    this.#sessions.set(session.id, session);
    return session;
  }

  #sign(payload: string): string {
    return createHmac('sha256', this.#secret!).update(payload).digest().subarray(0, 16).toString('base64url');
  }
}
