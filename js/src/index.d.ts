// Types of the signed-session package (the same for every entry point:
// node, workerd and the default one).

/** A value a session or a token can hold: Python's JSON data model as JavaScript sees it. */
export type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json };

/** Milliseconds since the Unix epoch, as `Date.now()` returns them (a Date is accepted too). */
export type Clock = () => number | Date;

/** The keys: Django's SECRET_KEY and SECRET_KEY_FALLBACKS. */
export interface KeyOptions {
  /** Signs and verifies. Never put it in code: read it from a secret store. */
  secret: string;
  /** Older keys that still verify (after a rotation), tried in order. */
  fallbackKeys?: readonly string[];
  /** Where "now" comes from. Default `Date.now`. */
  clock?: Clock;
}

/** Options of `dumps`, `loads` and `Signer`. */
export interface SignerOptions extends KeyOptions {
  /** The salt. Default `"django.core.signing"` (Django's `signing.dumps` default). */
  salt?: string;
  /** zlib-compress when that saves at least 2 bytes (Django's `compress=True`). Default false. */
  compress?: boolean;
  /** The longest token read or written, in bytes. Default 8192. */
  maxTokenLength?: number;
}

export interface LoadsOptions {
  /** Refuse tokens older than this many seconds (`null`: no age check). NaN or an infinity refuses every token. */
  maxAge?: number | null;
}

/** What `loadsDetailed` returns. */
export interface Loaded {
  value: Json;
  /** When the token was signed (whole seconds). */
  signedAt: Date;
  /** Which key verified it: 0 the current one, n the n-th fallback. */
  keyIndex: number;
  compressed: boolean;
}

/** Django's `signing.dumps`: the token of a value, signed now. */
export function dumps(value: unknown, options: SignerOptions): string;
/** `dumps` of JSON text as it is (Python's exact text, such as `1.0`), after checking that it reads back. */
export function dumpsJson(json: string, options: SignerOptions): string;
/** Django's `signing.loads`: the value of a verified token. Throws a DecodeError. */
export function loads(token: string, options: SignerOptions & LoadsOptions): Json;
/** `loads`, returning Python's JSON text of the value. */
export function loadsJson(token: string, options: SignerOptions & LoadsOptions): string;
/** `loads`, with when the token was signed, which key verified it and whether it was compressed. */
export function loadsDetailed(token: string, options: SignerOptions & LoadsOptions): Loaded;

/** `dumps`/`loads` with one set of keys and salt; the HMAC keys are derived once. */
export class Signer {
  constructor(options: SignerOptions);
  dumps(value: unknown): string;
  dumpsJson(json: string): string;
  loads(token: string, options?: LoadsOptions): Json;
  loadsJson(token: string, options?: LoadsOptions): string;
  loadsDetailed(token: string, options?: LoadsOptions): Loaded;
  /** Frees the module's memory now (otherwise when the object is collected). */
  free(): void;
}

/** Django's session settings, and SessionMiddleware's cookie settings. */
export interface SessionOptions extends KeyOptions {
  /** SESSION_COOKIE_AGE, in whole seconds. Default 1209600 (two weeks). */
  cookieAge?: number;
  /** SESSION_EXPIRE_AT_BROWSER_CLOSE. Default false. */
  expireAtBrowserClose?: boolean;
  /** USE_TZ: whether expiry dates are written with an offset. Default true. */
  useTz?: boolean;
  /** Refuse a session past its own `setExpiry` (Django does not check it). Default true. */
  enforceExpiry?: boolean;
  /** `"auto"` (default): compress JSON of 1 KiB or more; `"django"`: Django's choice for every session; `"never"`. */
  compression?: 'auto' | 'django' | 'never';
  /** Refuse sessions created longer ago than this many seconds, however active (`null`: no limit). */
  absoluteLifetime?: number | null;
  /** The longest cookie value read or written, in bytes. Default 8192. */
  maxTokenLength?: number;
  /** The largest payload once decoded, in bytes. Default 65536. */
  maxDecodedLength?: number;
  /** How deeply JSON may nest. Default 128 (at most 512). */
  maxDepth?: number;
  /** SESSION_COOKIE_NAME. Default "sessionid". */
  cookieName?: string;
  /** SESSION_COOKIE_DOMAIN. Default none (a host-only cookie). */
  cookieDomain?: string | null;
  /** SESSION_COOKIE_PATH. Default "/". */
  cookiePath?: string | null;
  /** SESSION_COOKIE_SAMESITE. Default "Lax"; null for no attribute. */
  cookieSameSite?: 'Lax' | 'Strict' | 'None' | null;
  /** SESSION_COOKIE_SECURE. Default false, as in Django: turn it on for HTTPS sites. */
  cookieSecure?: boolean;
  /** SESSION_COOKIE_HTTPONLY. Default true. */
  cookieHttpOnly?: boolean;
  /** The Partitioned attribute (CHIPS); needs cookieSecure. Default false. */
  cookiePartitioned?: boolean;
  /** SESSION_SAVE_EVERY_REQUEST. Default false. */
  saveEveryRequest?: boolean;
  /** With saveEveryRequest, re-sign only cookies at least this many seconds old. Default null (every request). */
  refreshInterval?: number | null;
  /** The largest Set-Cookie value sent, in bytes; browsers drop larger cookies. Default 4096. */
  sizeBudget?: number;
  /** Over the budget: `"fail"` (default) answers an empty 500, `"keep-previous"` sends the response without the cookie. */
  oversize?: 'fail' | 'keep-previous';
  /** Add `Cache-Control: private` to responses that set or delete the cookie. Default false. */
  cacheControlPrivate?: boolean;
  /** Re-sign with the current key a cookie that a fallback key verified. Default true. */
  resignFallback?: boolean;
}

/** Django's `process_response` for one response: what to send. */
export interface Finished {
  outcome: 'unchanged' | 'set' | 'deleted' | 'skipped_server_error' | 'failed';
  /** The Set-Cookie value to add, or null. */
  setCookie: string | null;
  /** The new Vary value, or null to leave it. */
  vary: string | null;
  /** The new Cache-Control value, or null to leave it. */
  cacheControl: string | null;
  /** Why the cookie could not be sent (outcome "failed"). */
  error: CookieTooLarge | EncodeError | null;
}

/** Django's `set_expiry` argument: seconds of inactivity (0: browser close), a date, a timedelta, or null. */
export type Expiry = number | Date | { seconds: number } | null;

/** Django's signed_cookies engine with SessionMiddleware's cookie rules. Build it once. */
export class SessionStore {
  constructor(options: SessionOptions);
  /** The session cookie's name. */
  readonly cookieName: string;
  /** The session of a request with this Cookie header. Never throws on a bad cookie: see `loadError`. */
  load(cookieHeader: string | null | undefined): Session;
  /** The session of a cookie value itself. */
  loadValue(value: string | null | undefined): Session;
  /** The session of a Web Request. */
  fromRequest(request: Request): Session;
  /** Applies Set-Cookie, Vary and Cache-Control to a Web Response by Django's rules. */
  commit(session: Session, response: Response): Response;
  /** Loads the request's session, runs the handler, commits and frees the session. */
  handle<R extends Request>(
    request: R,
    handler: (session: Session, request: R) => Response | Promise<Response>,
  ): Promise<Response>;
  free(): void;
}

/** Django's `request.session`. */
export class Session {
  private constructor();
  get(key: string): Json | undefined;
  get<T>(key: string, defaultValue: T): Json | T;
  set(key: string, value: unknown): this;
  /** Removes the key; whether it was set. */
  delete(key: string): boolean;
  has(key: string): boolean;
  keys(): string[];
  entries(): [string, Json][];
  toJSON(): { [key: string]: Json };
  readonly size: number;
  /** Removes every key; the cookie stays (with `{}`). */
  clear(): void;
  /** No data and no key: the cookie is deleted. Use it on logout. */
  flush(): void;
  /** A new cookie value for the same data. Use it on login. */
  cycleKey(): void;
  setExpiry(value: Expiry): void;
  /** Whole seconds until the session expires. */
  getExpiryAge(): number;
  getExpiryDate(): Date;
  getExpireAtBrowserClose(): boolean;
  setTestCookie(): void;
  testCookieWorked(): boolean;
  deleteTestCookie(): boolean;
  /** Django's is_empty(): no cookie value and no data. */
  isEmpty(): boolean;
  /** The cookie value (Django's session_key), or null. */
  readonly key: string | null;
  readonly accessed: boolean;
  modified: boolean;
  readonly hadCookie: boolean;
  /** Why the incoming cookie was refused, or null. */
  readonly loadError: DecodeError | null;
  /** Which key verified the incoming cookie, or null. */
  readonly keyIndex: number | null;
  readonly signedAt: Date | null;
  /** Why the last commit could not send the cookie, or null. */
  saveError: CookieTooLarge | EncodeError | null;
  /** Django's save(), now: signs the session and returns the Set-Cookie value that sends it. */
  save(): string;
  /** Django's process_response for a response with this status, Vary and Cache-Control. */
  finish(response?: { status?: number; vary?: string | null; cacheControl?: string | null }): Finished;
  free(): void;
  [Symbol.dispose](): void;
}

/** The Rust crate's DecodeErrorKind names. */
export type DecodeErrorKind =
  | 'too_long'
  | 'bad_signature'
  | 'expired'
  | 'lifetime_exceeded'
  | 'malformed_timestamp'
  | 'malformed_base64'
  | 'malformed_zlib'
  | 'malformed_json'
  | 'too_large'
  | 'revoked';

/** A token or cookie was refused. */
export class DecodeError extends Error {
  readonly kind: DecodeErrorKind;
}
/** No configured key signed it. `reason`: "no_separator", "mismatch" or "retired". */
export class BadSignature extends DecodeError {
  readonly kind: 'bad_signature';
  readonly reason: 'no_separator' | 'mismatch' | 'retired' | 'other';
  readonly keyIndex?: number;
}
/** Too old (`age` and `maxAge` in seconds). */
export class Expired extends DecodeError {
  readonly kind: 'expired' | 'lifetime_exceeded';
  readonly age?: number;
  readonly maxAge?: number;
}
/** Validly signed, but the payload is not well formed or too large. */
export class Malformed extends DecodeError {
  readonly kind: 'malformed_timestamp' | 'malformed_base64' | 'malformed_zlib' | 'malformed_json' | 'too_large';
}
/** Longer than the limit; refused unread. */
export class TooLong extends DecodeError {
  readonly kind: 'too_long';
  readonly length: number;
  readonly max: number;
}
/** Refused by a revocation check. */
export class Revoked extends DecodeError {
  readonly kind: 'revoked';
}
/** Every DecodeErrorKind with its class. */
export const DECODE_ERROR_KINDS: Readonly<Record<DecodeErrorKind, typeof DecodeError>>;

/** A value could not be signed so that it reads back. */
export class EncodeError extends Error {
  readonly kind: 'value' | 'too_long' | 'too_large' | 'too_deep' | 'json' | 'time' | 'other';
  readonly length?: number;
  readonly max?: number;
}
/** The Set-Cookie value would be over the size budget: not sent. */
export class CookieTooLarge extends Error {
  readonly kind: 'cookie_too_large';
  /** The cookie's name. */
  readonly cookieName: string;
  readonly size: number;
  readonly budget: number;
}

export const DEFAULT_SALT: 'django.core.signing';
export const SESSION_SALT: 'django.contrib.sessions.backends.signed_cookies';
