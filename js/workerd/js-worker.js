// A Worker using the package directly (SessionStore.handle on the Web
// Request/Response), with the routes of the Hono example
// (examples/hono/app.js): /, /login, /logout, /expiry, /whoami.
import { SessionStore } from 'signed-session';

let store = null;

async function route(session, request) {
  const url = new URL(request.url);
  switch (url.pathname) {
    case '/': {
      const visits = (session.get('visits') ?? 0) + 1;
      session.set('visits', visits);
      return new Response(`visit number ${visits}\n`);
    }
    case '/login':
      session.cycleKey();
      session.set('user', url.searchParams.get('user') ?? 'alice');
      return new Response(`logged in as ${session.get('user')}\n`);
    case '/logout':
      session.flush();
      return new Response('logged out\n');
    case '/expiry':
      session.setExpiry(Number(url.searchParams.get('seconds') ?? 300));
      return new Response(`expires in ${session.getExpiryAge()} s\n`);
    case '/whoami': {
      const error = session.loadError;
      return Response.json({ data: session.toJSON(), refused: error ? error.kind : null });
    }
    default:
      return new Response('not found\n', { status: 404 });
  }
}

export default {
  async fetch(request, env) {
    store ??= new SessionStore({
      secret: env.SECRET_KEY,
      fallbackKeys: env.SECRET_KEY_FALLBACK ? [env.SECRET_KEY_FALLBACK] : [],
    });
    return store.handle(request, route);
  },
};
