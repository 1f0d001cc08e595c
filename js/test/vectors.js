// The golden Django vectors (tests/vectors/django.json), read so that
// integers past 2^53 stay exact (BigInt) and every payload keeps its own
// JSON text where the package needs it (Python floats such as 1.0).

import { readFileSync } from 'node:fs';

export const VECTORS = new URL('../../tests/vectors/django.json', import.meta.url);

const NUMBER = /-?(?:Infinity|NaN|(?:0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?)/y;
const STRING = /"(?:[^"\\]|\\.)*"/y;

/** JSON text to JavaScript values: unsafe integers as BigInt, objects in order. */
export function parse(text) {
  let i = 0;
  const ws = () => {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
  };
  const fail = (what) => {
    throw new SyntaxError(`${what} at offset ${i}`);
  };
  const sticky = (re) => {
    re.lastIndex = i;
    const m = re.exec(text);
    if (!m) fail('bad token');
    i += m[0].length;
    return m;
  };
  const value = () => {
    ws();
    const c = text[i];
    if (c === '"') return JSON.parse(sticky(STRING)[0]);
    if (c === '[' || c === '{') {
      const obj = c === '{';
      const out = obj ? {} : [];
      i++;
      ws();
      if (text[i] === (obj ? '}' : ']')) {
        i++;
        return out;
      }
      for (;;) {
        if (obj) {
          ws();
          const k = JSON.parse(sticky(STRING)[0]);
          ws();
          if (text[i++] !== ':') fail('expected :');
          Object.defineProperty(out, k, { value: value(), enumerable: true, writable: true, configurable: true });
        } else {
          out.push(value());
        }
        ws();
        const sep = text[i++];
        if (sep === (obj ? '}' : ']')) return out;
        if (sep !== ',') fail('expected ,');
      }
    }
    for (const [w, v] of [['true', true], ['false', false], ['null', null]]) {
      if (text.startsWith(w, i)) {
        i += w.length;
        return v;
      }
    }
    const m = sticky(NUMBER);
    const n = Number(m[0]);
    const integer = m[1] === undefined && m[2] === undefined && /\d$/.test(m[0]);
    return integer && !Number.isSafeInteger(n) ? BigInt(m[0]) : n;
  };
  const v = value();
  ws();
  if (i !== text.length) fail('trailing data');
  return v;
}

/** Every section of the vectors file. */
export function load() {
  return parse(readFileSync(VECTORS, 'utf8'));
}

/** Unix seconds (a float) as JavaScript milliseconds. */
export function ms(seconds) {
  return Math.round(seconds * 1000);
}
