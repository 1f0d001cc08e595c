import type { Context, MiddlewareHandler } from 'hono';
import type { Session, SessionOptions } from 'signed-session';

/**
 * Django's SessionMiddleware for Hono: `c.get('session')` is the request's
 * Session; after the handler its cookie is set, refreshed or deleted by
 * Django's rules. `options` may be a function of the context (for secrets
 * in `c.env`), called once per environment object.
 */
export function sessionMiddleware(
  options: SessionOptions | ((c: Context) => SessionOptions),
): MiddlewareHandler<{ Variables: { session: Session } }>;

declare module 'hono' {
  interface ContextVariableMap {
    session: Session;
  }
}
