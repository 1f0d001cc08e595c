// JavaScript values to and from the JSON text that crosses into the wasm
// module, which reads and writes Python's JSON (Django's) exactly.
//
// Out: ASCII-only JSON. Safe integers become Python ints, every other
// number a Python float (NaN and the infinities as Python writes them),
// BigInts ints. The module then signs Python's own form of the value.
//
// In: JSON.parse when the text has nothing it would get wrong, else a
// small parser that keeps integers past 2^53 exact (as BigInt) and reads
// NaN and the infinities.

import { EncodeError } from './errors.js';

/** The deepest nesting the module ever accepts (its hard cap). */
const MAX_DEPTH = 512;

const NOT_ASCII = /[\u007f-\uffff]/g;
const HAS_NOT_ASCII = /[\u007f-\uffff]/;

/** A string as ASCII JSON (`\uXXXX` escapes, as Python's ensure_ascii). */
export function quote(s) {
  const q = JSON.stringify(s);
  return HAS_NOT_ASCII.test(q)
    ? q.replace(NOT_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`)
    : q;
}

/**
 * A number as Python sees it: a safe integer is an int; any other number is
 * a float (a JavaScript number is a double), written with a point or an
 * exponent so that it reads back as one. -0 stays -0.0.
 */
function number(n) {
  if (Object.is(n, -0)) return '-0.0';
  if (Number.isSafeInteger(n)) return String(n);
  if (Number.isFinite(n)) {
    const t = String(n);
    return /[.e]/.test(t) ? t : `${t}.0`;
  }
  if (Number.isNaN(n)) return 'NaN';
  return n > 0 ? 'Infinity' : '-Infinity';
}

/** The key of an object entry, as Python's json.dumps makes keys of a dict. */
function key(k) {
  switch (typeof k) {
    case 'string':
      return quote(k);
    case 'number':
      return quote(number(k));
    case 'bigint':
      return quote(k.toString());
    case 'boolean':
      return k ? '"true"' : '"false"';
    default:
      if (k === null) return '"null"';
      throw new TypeError(`a session key must be a string, not ${typeof k}`);
  }
}

/** Skipped inside objects and written as null inside arrays, as JSON.stringify does. */
function absent(v) {
  return v === undefined || typeof v === 'function' || typeof v === 'symbol';
}

function write(v, depth, ancestors, holderKey) {
  if (v !== null && typeof v === 'object' && typeof v.toJSON === 'function') {
    v = v.toJSON(holderKey);
  }
  switch (typeof v) {
    case 'string':
      return quote(v);
    case 'number':
      return number(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'bigint':
      return v.toString();
    case 'object':
      break;
    default:
      throw new TypeError(`${typeof v} cannot be written as JSON`);
  }
  if (v === null) return 'null';
  if (depth >= MAX_DEPTH) {
    throw new EncodeError('too_deep', `the value nests deeper than ${MAX_DEPTH} levels`, { max: MAX_DEPTH });
  }
  if (ancestors.has(v)) throw new TypeError('the value is cyclic, so it cannot be written as JSON');
  if (v instanceof Set || v instanceof WeakMap || v instanceof WeakSet) {
    throw new TypeError(`a ${v.constructor.name} cannot be written as JSON (use an array or an object)`);
  }
  ancestors.add(v);
  let out;
  if (Array.isArray(v)) {
    const items = [];
    for (let i = 0; i < v.length; i++) {
      const item = v[i];
      items.push(absent(item) ? 'null' : write(item, depth + 1, ancestors, String(i)));
    }
    out = `[${items.join(',')}]`;
  } else {
    const entries = [];
    const pairs = v instanceof Map ? v.entries() : Object.entries(v);
    for (const [k, item] of pairs) {
      if (absent(item)) continue;
      entries.push(`${key(k)}:${write(item, depth + 1, ancestors, String(k))}`);
    }
    out = `{${entries.join(',')}}`;
  }
  ancestors.delete(v);
  return out;
}

/**
 * The JSON text of a JavaScript value, for the module.
 * @param {unknown} value
 * @returns {string}
 */
export function toJson(value) {
  if (absent(value)) throw new TypeError(`${typeof value} cannot be written as JSON`);
  return write(value, 0, new Set(), '');
}

// Text JSON.parse might get wrong: NaN, the infinities, or a run of 16
// digits (an integer that may be past 2^53; a float gets the same value
// either way, so only the speed differs).
const NEEDS_CARE = /NaN|Infinity|\d{16}/;
const NUMBER = /-?(?:Infinity|NaN|(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/y;
const STRING = /"(?:[^"\\]|\\.)*"/y;

/**
 * A value from the module's JSON text (Python's JSON, ASCII only).
 * @param {string} text
 * @returns {unknown}
 */
export function fromJson(text) {
  return NEEDS_CARE.test(text) ? parseExact(text) : JSON.parse(text);
}

function parseExact(text) {
  let i = 0;
  const fail = () => {
    throw new SyntaxError(`unexpected JSON from the module at offset ${i}`);
  };
  const sticky = (re) => {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) fail();
    i += m[0].length;
    return m;
  };
  const value = () => {
    const c = text[i];
    if (c === '"') return JSON.parse(sticky(STRING)[0]);
    if (c === '[') {
      i++;
      const out = [];
      if (text[i] === ']') {
        i++;
        return out;
      }
      for (;;) {
        out.push(value());
        const sep = text[i++];
        if (sep === ']') return out;
        if (sep !== ',') fail();
      }
    }
    if (c === '{') {
      i++;
      const out = {};
      if (text[i] === '}') {
        i++;
        return out;
      }
      for (;;) {
        const k = JSON.parse(sticky(STRING)[0]);
        if (text[i++] !== ':') fail();
        // An own "__proto__" entry, as JSON.parse makes it, never the prototype.
        Object.defineProperty(out, k, { value: value(), enumerable: true, writable: true, configurable: true });
        const sep = text[i++];
        if (sep === '}') return out;
        if (sep !== ',') fail();
      }
    }
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    const m = sticky(NUMBER);
    const t = m[0];
    const n = Number(t);
    const integer = m[1] === undefined && m[2] === undefined && t !== 'NaN' && !t.endsWith('Infinity');
    return integer && !Number.isSafeInteger(n) ? BigInt(t) : n;
  };
  const v = value();
  if (i !== text.length) fail();
  return v;
}
