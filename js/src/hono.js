// A Hono middleware: Django's SessionMiddleware for Hono apps, on every
// runtime Hono runs on. `c.get('session')` is the request's Session.

import { SessionStore } from 'signed-session';

/**
 * The session middleware. `options` is a SessionStore's options, or a
 * function of the context that returns them (for secrets kept in
 * `c.env`, as on Workers); the function is called once per environment
 * object, and its store is kept for the next requests.
 *
 * After the handler, the session's cookie is set, refreshed or deleted by
 * Django's rules (`Set-Cookie`, `Vary: Cookie`), and the session is freed.
 * A session over the cookie size budget is not sent: the response becomes
 * an empty 500, or with `oversize: "keep-previous"` goes out without it
 * (then `c.get('session').saveError` says why).
 *
 * @param {import('./index.d.ts').SessionOptions | ((c: any) => import('./index.d.ts').SessionOptions)} options
 */
export function sessionMiddleware(options) {
  const byEnv = new WeakMap();
  let single = typeof options === 'function' ? null : new SessionStore(options);
  const storeFor = (c) => {
    if (single) return single;
    const env = c.env;
    if (env === null || typeof env !== 'object') {
      single = new SessionStore(options(c));
      return single;
    }
    let store = byEnv.get(env);
    if (!store) {
      store = new SessionStore(options(c));
      byEnv.set(env, store);
    }
    return store;
  };
  return async function session(c, next) {
    const store = storeFor(c);
    const s = store.fromRequest(c.req.raw);
    c.set('session', s);
    try {
      await next();
      const committed = store.commit(s, c.res);
      if (committed !== c.res) {
        // A replacement (the 500 of an oversized session): no header of
        // the handler's response is carried over.
        c.res = undefined;
        c.res = committed;
      }
    } finally {
      s.free();
    }
  };
}
