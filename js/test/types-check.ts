// Compiled by `tsc --noEmit` in CI (.ci/js.sh): the declarations describe
// the API as the tests use it.
import {
  BadSignature,
  DecodeError,
  Expired,
  SessionStore,
  Signer,
  dumps,
  loads,
  loadsDetailed,
  type Json,
} from 'signed-session';
import { sessionMiddleware } from 'signed-session/hono';
import { Hono } from 'hono';

const options = { secret: 'a long secret', clock: () => Date.now() };
const token: string = dumps({ user: 42, roles: ['admin'], big: 2n ** 64n }, options);
const value: Json = loads(token, { ...options, maxAge: 60 });
const detail = loadsDetailed(token, options);
const when: Date = detail.signedAt;
const signer = new Signer({ ...options, salt: 'my.app', compress: true });
signer.loads(signer.dumps([1, 2, 3]), { maxAge: null });

const store = new SessionStore({ ...options, cookieSecure: true, cookieSameSite: 'Strict', oversize: 'keep-previous' });
const session = store.load('sessionid=abc');
session.set('visits', ((session.get('visits', 0) as number) ?? 0) + 1);
session.setExpiry(300);
session.setExpiry(new Date());
session.setExpiry({ seconds: 60 });
session.setExpiry(null);
const age: number = session.getExpiryAge();
const header: string = session.save();
const error = session.loadError;
if (error instanceof BadSignature) console.log(error.reason);
if (error instanceof Expired) console.log(error.age, error.maxAge);
if (error instanceof DecodeError) console.log(error.kind);
const finished = session.finish({ status: 200, vary: 'Accept-Encoding' });
console.log(value, when, age, header, finished.setCookie);
session.free();

export async function handler(request: Request): Promise<Response> {
  return store.handle(request, (s) => new Response(String(s.get('visits'))));
}

const app = new Hono<{ Bindings: { SECRET_KEY: string } }>();
app.use(sessionMiddleware((c) => ({ secret: c.env.SECRET_KEY })));
app.get('/', (c) => {
  const s = c.get('session');
  s.cycleKey();
  return c.text(String(s.get('user')));
});
