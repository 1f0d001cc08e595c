// The package's API, on top of the wasm-bindgen bindings. The bindings
// must have been initialised by the entry point of the environment
// (node.js, workerd.js, browser.js); nothing here uses an API that only
// one runtime has.

import * as wasm from '../pkg/signed_session.js';
import { parseError } from './errors.js';
import { fromJson, toJson } from './json.js';

export {
  BadSignature,
  CookieTooLarge,
  DECODE_ERROR_KINDS,
  DecodeError,
  EncodeError,
  Expired,
  Malformed,
  Revoked,
  TooLong,
} from './errors.js';

/** Django's `signing.dumps` default salt. */
export const DEFAULT_SALT = 'django.core.signing';
/** The salt of Django's `signed_cookies` session backend. */
export const SESSION_SALT = 'django.contrib.sessions.backends.signed_cookies';

const SPACE = 32;

/** The result of a tagged module call: the text after `" "`, or the error thrown. */
function unwrap(tagged) {
  if (tagged.charCodeAt(0) === SPACE) return tagged.slice(1);
  throw parseError(tagged);
}

/** A configuration error from the module as a TypeError (a bad time as a RangeError). */
function rethrow(e) {
  const message = e instanceof Error ? e.message : String(e);
  throw message.startsWith("the clock's time") ? new RangeError(message) : new TypeError(message);
}

function wellFormed(s, what) {
  if (typeof s !== 'string') throw new TypeError(`${what} must be a string`);
  // A lone surrogate would be replaced on its way into the module.
  if (typeof s.isWellFormed === 'function' ? !s.isWellFormed() : /\p{Surrogate}/u.test(s)) {
    throw new TypeError(`${what} contains a lone surrogate`);
  }
  return s;
}

function keys(options) {
  if (options === null || typeof options !== 'object') {
    throw new TypeError('options must be an object with at least a secret');
  }
  const secret = wellFormed(options.secret, 'secret');
  const fallbacks = options.fallbackKeys ?? [];
  if (!Array.isArray(fallbacks)) throw new TypeError('fallbackKeys must be an array of strings');
  return [secret, fallbacks.map((k, i) => wellFormed(k, `fallbackKeys[${i}]`))];
}

function clockOf(options) {
  const clock = options.clock ?? Date.now;
  if (typeof clock !== 'function') throw new TypeError('clock must be a function returning milliseconds');
  return clock;
}

/** The clock's reading in milliseconds (a Date is accepted too). */
function read(clock) {
  const t = clock();
  if (typeof t === 'number') return t;
  if (t instanceof Date) return t.getTime();
  throw new TypeError('the clock must return milliseconds since the epoch');
}

function maxAgeOf(options) {
  const maxAge = options.maxAge;
  if (maxAge === undefined || maxAge === null) return undefined;
  if (typeof maxAge !== 'number') throw new TypeError('maxAge must be a number of seconds or null');
  // NaN and the infinities go through: the module refuses the token (fail closed).
  return maxAge;
}

/**
 * Django's `signing.dumps` / `signing.loads` with one set of keys, salt and
 * compression choice. The HMAC keys are derived once, when it is made.
 */
export class Signer {
  #signer;
  #clock;

  /** @param {import('./index.d.ts').SignerOptions} options */
  constructor(options) {
    const [secret, fallbacks] = keys(options);
    const salt = wellFormed(options.salt ?? DEFAULT_SALT, 'salt');
    const maxTokenLength = options.maxTokenLength ?? 0;
    if (!Number.isSafeInteger(maxTokenLength) || maxTokenLength < 0) {
      throw new TypeError('maxTokenLength must be a whole number of bytes');
    }
    try {
      this.#signer = new wasm.Signer(secret, fallbacks, salt, Boolean(options.compress), maxTokenLength);
    } catch (e) {
      rethrow(e);
    }
    this.#clock = clockOf(options);
  }

  /** Signs a value as made now; returns the token. */
  dumps(value) {
    return unwrap(this.#signer.dumps(toJson(value), read(this.#clock)));
  }

  /** Signs JSON text as it is (Python's exact text, such as `1.0`), after checking that it reads back. */
  dumpsJson(json) {
    return unwrap(this.#signer.dumps_json(wellFormed(json, 'json'), read(this.#clock)));
  }

  /** Verifies a token (at most `maxAge` seconds old, if given) and returns its value. */
  loads(token, options = {}) {
    return fromJson(this.loadsJson(token, options));
  }

  /** As `loads`, returning Python's JSON text of the value. */
  loadsJson(token, options = {}) {
    if (typeof token !== 'string') throw new TypeError('the token must be a string');
    return unwrap(this.#signer.loads(token, maxAgeOf(options), read(this.#clock), false));
  }

  /** As `loads`, with when the token was signed, which key verified it and whether it was compressed. */
  loadsDetailed(token, options = {}) {
    if (typeof token !== 'string') throw new TypeError('the token must be a string');
    const d = fromJson(unwrap(this.#signer.loads(token, maxAgeOf(options), read(this.#clock), true)));
    return { value: d.value, signedAt: new Date(d.signedAt), keyIndex: d.keyIndex, compressed: d.compressed };
  }

  /** Frees the module's memory for this signer now (otherwise when it is collected). */
  free() {
    this.#signer.free();
  }
}

// Signers for the plain functions, by their keys and settings (the HMAC
// keys are derived once per combination).
const signers = new Map();
const KEPT_SIGNERS = 16;

function signerFor(options) {
  const [secret, fallbacks] = keys(options);
  const id = JSON.stringify([secret, fallbacks, options.salt ?? DEFAULT_SALT, Boolean(options.compress), options.maxTokenLength ?? 0]);
  let entry = signers.get(id);
  if (entry === undefined) {
    entry = new Signer({ ...options, clock: () => entry.now });
    if (signers.size >= KEPT_SIGNERS) {
      const [oldest, old] = signers.entries().next().value;
      signers.delete(oldest);
      old.free();
    }
    signers.set(id, entry);
  }
  entry.now = read(clockOf(options));
  return entry;
}

/**
 * Django's `signing.dumps(value, key=secret, salt=salt, compress=compress)`.
 * @returns {string} the token
 */
export function dumps(value, options) {
  return signerFor(options).dumps(value);
}

/** `dumps` of JSON text as it is (Python's exact text). */
export function dumpsJson(json, options) {
  return signerFor(options).dumpsJson(json);
}

/** Django's `signing.loads(token, key=secret, salt=salt, max_age=maxAge, fallback_keys=...)`. */
export function loads(token, options) {
  return signerFor(options).loads(token, options);
}

/** `loads`, returning Python's JSON text of the value. */
export function loadsJson(token, options) {
  return signerFor(options).loadsJson(token, options);
}

/** `loads`, with when the token was signed, which key verified it and whether it was compressed. */
export function loadsDetailed(token, options) {
  return signerFor(options).loadsDetailed(token, options);
}

// Options the module reads for a store (everything but the keys and the clock).
const STORE_OPTIONS = [
  'cookieAge',
  'expireAtBrowserClose',
  'useTz',
  'enforceExpiry',
  'compression',
  'absoluteLifetime',
  'maxTokenLength',
  'maxDecodedLength',
  'maxDepth',
  'cookieName',
  'cookieDomain',
  'cookiePath',
  'cookieSameSite',
  'cookieSecure',
  'cookieHttpOnly',
  'cookiePartitioned',
  'saveEveryRequest',
  'sizeBudget',
  'cacheControlPrivate',
  'refreshInterval',
  'resignFallback',
  'oversize',
];

/**
 * Django's `signed_cookies` session engine with `SessionMiddleware`'s
 * cookie rules: build it once, then `load` a session per request.
 */
export class SessionStore {
  #store;
  #clock;

  /** @param {import('./index.d.ts').SessionOptions} options */
  constructor(options) {
    const [secret, fallbacks] = keys(options);
    const settings = {};
    for (const name of Object.keys(options)) {
      if (name === 'secret' || name === 'fallbackKeys' || name === 'clock') continue;
      if (!STORE_OPTIONS.includes(name)) throw new TypeError(`unknown option ${JSON.stringify(name)}`);
      if (options[name] !== undefined) settings[name] = options[name];
    }
    try {
      this.#store = new wasm.Store(secret, fallbacks, toJson(settings));
    } catch (e) {
      rethrow(e);
    }
    this.#clock = clockOf(options);
    /** The session cookie's name. */
    this.cookieName = this.#store.cookie_name();
  }

  /**
   * The session of a request with this `Cookie` header (`null` or
   * `undefined`: no header). A missing, tampered, expired or malformed
   * cookie gives an empty session, as in Django; `session.loadError` says
   * why.
   * @param {string | null | undefined} cookieHeader
   */
  load(cookieHeader) {
    if (cookieHeader !== undefined && cookieHeader !== null && typeof cookieHeader !== 'string') {
      throw new TypeError('the Cookie header must be a string, null or undefined');
    }
    return this.#wrap(() => this.#store.load(cookieHeader ?? undefined, read(this.#clock)));
  }

  /** The session of a cookie value itself (not a whole header). */
  loadValue(value) {
    if (value !== undefined && value !== null && typeof value !== 'string') {
      throw new TypeError('the cookie value must be a string, null or undefined');
    }
    return this.#wrap(() => this.#store.load_value(value ?? undefined, read(this.#clock)));
  }

  /** The session of a Web `Request` (its `Cookie` header). */
  fromRequest(request) {
    return this.load(request.headers.get('cookie'));
  }

  #wrap(load) {
    let inner;
    try {
      inner = load();
    } catch (e) {
      if (e instanceof TypeError || e instanceof RangeError) throw e;
      rethrow(e);
    }
    return new Session(inner, this.#clock);
  }

  /**
   * Applies Django's `process_response` to a Web `Response`: `Set-Cookie`
   * (a new cookie, or a deletion cookie after `flush`), `Vary: Cookie` and,
   * if configured, `Cache-Control: private`. Returns the response (a copy
   * when its headers cannot be changed). A session over the size budget is
   * not sent: the response becomes an empty 500, or, with
   * `oversize: "keep-previous"`, is sent without the cookie; the error is
   * in `session.saveError`.
   * @param {Session} session
   * @param {Response} response
   * @returns {Response}
   */
  commit(session, response) {
    const result = session.finish({
      status: response.status,
      vary: response.headers.get('vary'),
      cacheControl: response.headers.get('cache-control'),
    });
    if (result.error && !this.#store.keep_previous()) {
      return new Response(null, { status: 500, headers: { vary: result.vary ?? 'Cookie', 'content-length': '0' } });
    }
    let out = response;
    const apply = (headers) => {
      if (result.setCookie !== null) headers.append('set-cookie', result.setCookie);
      if (result.vary !== null) headers.set('vary', result.vary);
      if (result.cacheControl !== null) headers.set('cache-control', result.cacheControl);
    };
    try {
      apply(out.headers);
    } catch {
      // Immutable headers (a response from fetch): answer with a copy.
      out = new Response(response.body, response);
      apply(out.headers);
    }
    return out;
  }

  /**
   * Runs `handler(session, request)` with the request's session, commits the
   * session to its response, frees the session and returns the response.
   * @template {Request} R
   * @param {R} request
   * @param {(session: Session, request: R) => Response | Promise<Response>} handler
   * @returns {Promise<Response>}
   */
  async handle(request, handler) {
    const session = this.fromRequest(request);
    try {
      return this.commit(session, await handler(session, request));
    } finally {
      session.free();
    }
  }

  /** Frees the module's memory for this store now (otherwise when it is collected). */
  free() {
    this.#store.free();
  }
}

/** Django's `request.session` for one request. */
export class Session {
  #inner;
  #clock;

  /** @internal Made by `SessionStore.load`. */
  constructor(inner, clock) {
    this.#inner = inner;
    this.#clock = clock;
    /** Why the last `commit` could not send the cookie (CookieTooLarge or EncodeError), or null. */
    this.saveError = null;
  }

  /** The value of `key`, or `defaultValue` (undefined) when it is not set. */
  get(key, defaultValue = undefined) {
    const text = this.#inner.get(wellFormed(key, 'the key'));
    return text === undefined ? defaultValue : fromJson(text);
  }

  /** Sets `key` to a JSON-compatible value. */
  set(key, value) {
    const error = this.#inner.set(wellFormed(key, 'the key'), toJson(value));
    if (error !== undefined) throw parseError(error);
    return this;
  }

  /** Removes `key`; whether it was set (Django's `del`, without the KeyError). */
  delete(key) {
    return this.#inner.delete(wellFormed(key, 'the key'));
  }

  /** Whether `key` is set. */
  has(key) {
    return this.#inner.has(wellFormed(key, 'the key'));
  }

  /** The keys, in order. */
  keys() {
    return JSON.parse(this.#inner.keys());
  }

  /** The `[key, value]` pairs, in order. */
  entries() {
    return Object.entries(this.toJSON());
  }

  /** The whole data as a plain object. */
  toJSON() {
    return fromJson(this.#inner.data());
  }

  /** How many keys are set. */
  get size() {
    return this.#inner.size();
  }

  /** Django's `clear()`: removes every key (the cookie is kept, with `{}`). */
  clear() {
    this.#inner.clear();
  }

  /** Django's `flush()`: no data and no key; the cookie is deleted. Use it on logout. */
  flush() {
    this.#inner.flush();
  }

  /** Django's `cycle_key()`: the session is re-signed when saved. Use it on login. */
  cycleKey() {
    this.#inner.cycle_key();
  }

  /**
   * Django's `set_expiry(value)`:
   * - a number: expire after that many seconds without a save (0: when the browser closes);
   * - a `Date`: expire at that instant;
   * - `{ seconds }`: Django's `timedelta`, a fixed date that far from now;
   * - `null`: back to the store's cookie age.
   */
  setExpiry(value) {
    if (value === null || value === undefined) {
      this.#inner.set_expiry_default();
    } else if (typeof value === 'number') {
      if (!this.#inner.set_expiry_idle(value)) throw new RangeError(`${value} is not a usable number of seconds`);
    } else if (value instanceof Date) {
      if (!this.#inner.set_expiry_at(value.getTime())) throw new RangeError(`${value} is not a usable date`);
    } else if (typeof value === 'object' && typeof value.seconds === 'number') {
      try {
        this.#inner.set_expiry_in(value.seconds, read(this.#clock));
      } catch (e) {
        throw new RangeError(e.message);
      }
    } else {
      throw new TypeError('setExpiry takes seconds, a Date, { seconds } or null');
    }
  }

  /** Django's `get_expiry_age()`: whole seconds until the session expires. */
  getExpiryAge() {
    return this.#inner.expiry_age(read(this.#clock));
  }

  /** Django's `get_expiry_date()`. */
  getExpiryDate() {
    return new Date(this.#inner.expiry_date(read(this.#clock)));
  }

  /** Django's `get_expire_at_browser_close()`. */
  getExpireAtBrowserClose() {
    return this.#inner.expire_at_browser_close();
  }

  /** Django's `set_test_cookie()`. */
  setTestCookie() {
    this.#inner.set_test_cookie();
  }

  /** Django's `test_cookie_worked()`. */
  testCookieWorked() {
    return this.#inner.test_cookie_worked();
  }

  /** Django's `delete_test_cookie()`; false where Django raises KeyError. */
  deleteTestCookie() {
    return this.#inner.delete_test_cookie();
  }

  /** Django's `is_empty()`: no cookie value and no data. */
  isEmpty() {
    return this.#inner.is_blank();
  }

  /** The cookie value the session came from or was last saved as (Django's `session_key`). */
  get key() {
    return this.#inner.key() ?? null;
  }

  /** Whether the data was read or written. */
  get accessed() {
    return this.#inner.accessed();
  }

  /** Whether the session needs saving. */
  get modified() {
    return this.#inner.modified();
  }

  set modified(yes) {
    this.#inner.set_modified(Boolean(yes));
  }

  /** Whether the request carried the session cookie at all. */
  get hadCookie() {
    return this.#inner.had_cookie();
  }

  /** Why the incoming cookie was refused (a DecodeError), or null. */
  get loadError() {
    const e = this.#inner.load_error();
    return e === undefined ? null : parseError(e);
  }

  /** Which key verified the incoming cookie (0: the current one, n: the n-th fallback), or null. */
  get keyIndex() {
    return this.#inner.key_index() ?? null;
  }

  /** When the incoming cookie was signed, or null. */
  get signedAt() {
    const ms = this.#inner.signed_at();
    return ms === undefined ? null : new Date(ms);
  }

  /**
   * Django's `save()`, now: signs the session (whether modified or not),
   * makes the token its key, and returns the `Set-Cookie` header value that
   * sends it (with `Max-Age` and `expires` from its expiry).
   * @throws {CookieTooLarge} over the size budget
   * @throws {EncodeError} when the data cannot be encoded so that it reads back
   * @returns {string}
   */
  save() {
    let tagged;
    try {
      tagged = this.#inner.save(read(this.#clock));
    } catch (e) {
      rethrow(e);
    }
    return unwrap(tagged);
  }

  /**
   * Django's `process_response` for a response with this status and these
   * `Vary` and `Cache-Control` values: what to send. `setCookie` is the
   * `Set-Cookie` value to add (or null), `vary` and `cacheControl` the new
   * values of those headers (or null to leave them), `outcome` one of
   * `unchanged`, `set`, `deleted`, `skipped_server_error`, `failed` (then
   * `error` is the CookieTooLarge or EncodeError, also kept as `saveError`).
   */
  finish({ status = 200, vary = null, cacheControl = null } = {}) {
    let tagged;
    try {
      tagged = this.#inner.finish(status, vary ?? undefined, cacheControl ?? undefined, read(this.#clock));
    } catch (e) {
      rethrow(e);
    }
    const r = JSON.parse(unwrap(tagged));
    const error = r.error ? parseError(`!${JSON.stringify(r.error)}`) : null;
    this.saveError = error;
    return { outcome: r.outcome, setCookie: r.setCookie, vary: r.vary, cacheControl: r.cacheControl, error };
  }

  /** Frees the module's memory for this session now (otherwise when it is collected). */
  free() {
    this.#inner.free();
  }

  [Symbol.dispose]() {
    this.free();
  }
}
