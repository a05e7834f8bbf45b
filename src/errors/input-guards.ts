import type { ErrorDetail } from './api-error';

/**
 * C0 controls (NUL, newlines, escape…), DEL and the C1 controls. None belongs in an id, a path,
 * a query value or any field this API takes, and NUL cannot even be stored by PostgreSQL: they
 * are refused at the edge with a 400 instead of failing deep inside with a 500.
 */
// eslint-disable-next-line no-control-regex -- matching control characters is the point
export const CONTROL_CHARACTERS = /[\u0000-\u001f\u007f-\u009f]/;

/** Deeper than any body this API takes; deep enough nesting would overflow the validator. */
export const MAX_JSON_DEPTH = 32;

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN = new Set([0x7b, 0x5b]);
const CLOSE = new Set([0x7d, 0x5d]);
/** The one-letter escapes \b \f \n \r \t, all control characters. */
const CONTROL_ESCAPES = new Set([0x62, 0x66, 0x6e, 0x72, 0x74]);

function isControl(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}

/**
 * One pass over a JSON body's bytes, before it is parsed: refuses nesting deeper than
 * `maxDepth` and control characters inside strings (raw, UTF-8 encoded C1, or escaped as
 * `\u0000`, `\n`…). Iterative, so a body of 20,000 brackets costs a loop, not a stack.
 * Malformed JSON is left to the parser (400 MALFORMED_JSON).
 */
export function jsonBodyProblem(
  bytes: Uint8Array,
  maxDepth = MAX_JSON_DEPTH,
): ErrorDetail | undefined {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i += 1) {
    const byte = bytes[i];
    if (inString) {
      if (byte === QUOTE) inString = false;
      else if (byte === BACKSLASH) {
        const next = bytes[i + 1];
        if (next === 0x75) {
          const code = parseInt(String.fromCharCode(...bytes.subarray(i + 2, i + 6)), 16);
          if (isControl(code)) return controlCharacterIn('body');
          i += 5;
        } else {
          if (CONTROL_ESCAPES.has(next)) return controlCharacterIn('body');
          i += 1;
        }
      } else if (byte < 0x20 || byte === 0x7f) return controlCharacterIn('body');
      // U+0080–U+009F are 0xC2 0x80–0x9F in UTF-8.
      else if (byte === 0xc2 && bytes[i + 1] >= 0x80 && bytes[i + 1] <= 0x9f) {
        return controlCharacterIn('body');
      }
    } else if (byte === QUOTE) inString = true;
    else if (OPEN.has(byte)) {
      depth += 1;
      if (depth > maxDepth) {
        return { field: 'body', message: `must not nest deeper than ${maxDepth} levels` };
      }
    } else if (CLOSE.has(byte)) depth -= 1;
  }
  return undefined;
}

function controlCharacterIn(field: string): ErrorDetail {
  return { field, message: 'must not contain control characters' };
}

function decodeQueryComponent(text: string): string {
  return decodeURIComponent(text.replace(/\+/g, ' '));
}

/**
 * The request target's path and query, percent-decoded as the router and the query parser will
 * decode them: malformed escapes and control characters are refused before any route runs.
 */
export function requestTargetProblem(target: string): ErrorDetail | undefined {
  const queryAt = target.indexOf('?');
  const path = queryAt === -1 ? target : target.slice(0, queryAt);
  const query = queryAt === -1 ? '' : target.slice(queryAt + 1);
  try {
    if (CONTROL_CHARACTERS.test(decodeURIComponent(path))) return controlCharacterIn('path');
  } catch {
    return { field: 'path', message: 'is not correctly percent-encoded' };
  }
  if (query === '') return undefined;
  for (const pair of query.split('&')) {
    const equals = pair.indexOf('=');
    const name = equals === -1 ? pair : pair.slice(0, equals);
    const value = equals === -1 ? '' : pair.slice(equals + 1);
    let decodedName: string;
    try {
      decodedName = decodeQueryComponent(name);
      if (CONTROL_CHARACTERS.test(decodedName)) return controlCharacterIn('query');
      if (CONTROL_CHARACTERS.test(decodeQueryComponent(value))) {
        return controlCharacterIn(decodedName);
      }
    } catch {
      return { field: 'query', message: 'is not correctly percent-encoded' };
    }
  }
  return undefined;
}
