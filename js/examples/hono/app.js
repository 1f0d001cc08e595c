// A Hono app whose session is Django's: a Django site with the same
// SECRET_KEY (and SESSION_ENGINE = "django.contrib.sessions.backends.signed_cookies")
// reads and writes the same cookie. Runs on Cloudflare Workers as it is
// (`export default app`); js/workerd/ runs it in workerd in CI.
//
//   GET /         counts this browser's visits
//   GET /login    logs in as ?user= (a new cookie value: cycleKey)
//   GET /logout   empties the session and deletes the cookie (flush)
//   GET /expiry   this session expires after ?seconds= without a visit
//   GET /whoami   the session's data, as JSON
import { Hono } from 'hono';
import { sessionMiddleware } from 'signed-session/hono';

const app = new Hono();

// The secret is a Worker secret (`wrangler secret put SECRET_KEY`), never code.
app.use(
  sessionMiddleware((c) => ({
    secret: c.env.SECRET_KEY,
    fallbackKeys: c.env.SECRET_KEY_FALLBACK ? [c.env.SECRET_KEY_FALLBACK] : [],
  })),
);

app.get('/', (c) => {
  const session = c.get('session');
  const visits = (session.get('visits') ?? 0) + 1;
  session.set('visits', visits);
  return c.text(`visit number ${visits}\n`);
});

app.get('/login', (c) => {
  const session = c.get('session');
  session.cycleKey(); // a new cookie value at login, as Django's login() does
  session.set('user', c.req.query('user') ?? 'alice');
  return c.text(`logged in as ${session.get('user')}\n`);
});

app.get('/logout', (c) => {
  c.get('session').flush();
  return c.text('logged out\n');
});

app.get('/expiry', (c) => {
  const session = c.get('session');
  session.setExpiry(Number(c.req.query('seconds') ?? 300));
  return c.text(`expires in ${session.getExpiryAge()} s\n`);
});

app.get('/whoami', (c) => {
  const session = c.get('session');
  const error = session.loadError;
  return c.json({ data: session.toJSON(), refused: error ? error.kind : null });
});

export default app;
