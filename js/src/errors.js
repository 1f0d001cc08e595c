// The errors a caller handles, with the kinds of the Rust crate's
// DecodeErrorKind (every one of them), EncodeError and SaveError.

/**
 * A token or cookie was refused. `kind` is the Rust crate's
 * `DecodeErrorKind::as_str()`; the subclass says which family it is in.
 */
export class DecodeError extends Error {
  constructor(kind, message, fields = {}) {
    super(message);
    this.name = new.target.name;
    /** @type {string} */
    this.kind = kind;
    Object.assign(this, fields);
  }
}

/** No configured key signed the token (tampered, another key or salt, a retired key). */
export class BadSignature extends DecodeError {}

/** The signature is valid but the token is too old (`expired`), or the session is past its absolute lifetime (`lifetime_exceeded`). */
export class Expired extends DecodeError {}

/** The signature is valid but the payload is not well formed, or too large once decoded. */
export class Malformed extends DecodeError {}

/** The token is longer than the limit; it was refused unread. */
export class TooLong extends DecodeError {}

/** The signature is valid but a revocation check refused the session. */
export class Revoked extends DecodeError {}

/** Every Rust `DecodeErrorKind`, with the class that carries it. */
export const DECODE_ERROR_KINDS = Object.freeze({
  too_long: TooLong,
  bad_signature: BadSignature,
  expired: Expired,
  lifetime_exceeded: Expired,
  malformed_timestamp: Malformed,
  malformed_base64: Malformed,
  malformed_zlib: Malformed,
  malformed_json: Malformed,
  too_large: Malformed,
  revoked: Revoked,
});

/**
 * A value could not be signed so that it reads back: `kind` is one of
 * `value`, `too_long`, `too_large`, `too_deep`, `json`.
 */
export class EncodeError extends Error {
  constructor(kind, message, fields = {}) {
    super(message);
    this.name = 'EncodeError';
    this.kind = kind;
    Object.assign(this, fields);
  }
}

/**
 * The session cookie's `Set-Cookie` value would be larger than the size
 * budget (4096 bytes by default), so browsers would drop it: it is not sent.
 */
export class CookieTooLarge extends Error {
  constructor(message, fields = {}) {
    super(message);
    this.name = 'CookieTooLarge';
    this.kind = 'cookie_too_large';
    Object.assign(this, fields);
  }
}

/** An error object from the module (after its `!` tag) as an error of this package. */
export function fromModule(fields) {
  const { kind, message, ...rest } = fields;
  const DecodeClass = DECODE_ERROR_KINDS[kind];
  if (DecodeClass) return new DecodeClass(kind, message, rest);
  if (kind === 'cookie_too_large') return new CookieTooLarge(message, rest);
  return new EncodeError(kind, message, rest);
}

/** Parses a tagged error string (`!{...}`) from the module. */
export function parseError(tagged) {
  return fromModule(JSON.parse(tagged.slice(1)));
}
