/**
 * A small, faithful parser for Java `.properties` text — the syntax of `mm2.properties`, as read by
 * MM2 through `java.util.Properties.load`. No npm dependency: no well-kept parser was installed and
 * the grammar is small. Rules implemented (from the `Properties.load(Reader)` javadoc):
 *
 * - natural lines end in `\n`, `\r` or `\r\n`; a line whose first non-blank character is `#` or `!`
 *   is a comment; blank lines are skipped; blanks are space, `\t` and `\f`;
 * - a line ending in an odd number of backslashes continues on the next line, whose leading blanks
 *   are dropped; comment lines never continue;
 * - the key runs to the first unescaped `=`, `:` or blank; blanks around one optional `=`/`:` are
 *   skipped; the rest of the line, trailing blanks included, is the value;
 * - escapes: `\t \n \r \f`, `\uXXXX`, and `\` before any other character yields that character.
 *
 * Deliberate difference: Java decodes an InputStream as ISO-8859-1; callers here pass text decoded
 * as UTF-8, which is what users who write non-ASCII characters mean.
 */
import { ConfigError } from '../core/errors.ts';
import { REDACTED, isSecretKey } from './redaction.ts';

/** One `key = value` pair: unescaped key and value, `line` is the 1-based line where it starts. */
export interface PropertyEntry {
  readonly key: string;
  readonly value: string;
  readonly line: number;
}

const BLANK = new Set([' ', '\t', '\f']);

function skipBlanks(text: string, from: number): number {
  let i = from;
  while (i < text.length && BLANK.has(text.charAt(i))) i++;
  return i;
}

function trailingBackslashes(text: string): number {
  let n = 0;
  while (n < text.length && text.charAt(text.length - 1 - n) === '\\') n++;
  return n;
}

/**
 * Resolves Java escapes in a key or value; a malformed `\uXXXX` throws ConfigError naming the line and
 * quoting the bad escape — or {@link REDACTED} when `secret` (the value of a secret key: its characters
 * must not reach a log line, see redaction.ts).
 */
function unescape(raw: string, line: number, secret: boolean): string {
  if (!raw.includes('\\')) return raw;
  let out = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw.charAt(i);
    if (c !== '\\') {
      out += c;
      continue;
    }
    i++;
    if (i >= raw.length) break; // a lone trailing backslash at end of input is dropped, as in Java
    const e = raw.charAt(i);
    if (e === 'u') {
      const hex = raw.slice(i + 1, i + 5);
      if (!/^[0-9a-fA-F]{4}$/.test(hex)) {
        throw new ConfigError(`properties line ${line}`, secret ? REDACTED : `\\u${hex}`, 'a \\uXXXX escape with 4 hex digits');
      }
      out += String.fromCharCode(parseInt(hex, 16));
      i += 4;
    } else {
      out += e === 't' ? '\t' : e === 'n' ? '\n' : e === 'r' ? '\r' : e === 'f' ? '\f' : e;
    }
  }
  return out;
}

/** Splits one logical line into raw (still escaped) key and value, following `Properties.load0`. */
function splitKeyValue(logical: string): { rawKey: string; rawValue: string } {
  let keyLen = 0;
  let valueStart = logical.length;
  let hasSeparator = false;
  let precedingBackslash = false;
  while (keyLen < logical.length) {
    const c = logical.charAt(keyLen);
    if ((c === '=' || c === ':') && !precedingBackslash) {
      valueStart = keyLen + 1;
      hasSeparator = true;
      break;
    }
    if (BLANK.has(c) && !precedingBackslash) {
      valueStart = keyLen + 1;
      break;
    }
    precedingBackslash = c === '\\' ? !precedingBackslash : false;
    keyLen++;
  }
  while (valueStart < logical.length) {
    const c = logical.charAt(valueStart);
    if (!BLANK.has(c)) {
      if (!hasSeparator && (c === '=' || c === ':')) hasSeparator = true;
      else break;
    }
    valueStart++;
  }
  return { rawKey: logical.slice(0, keyLen), rawValue: logical.slice(valueStart) };
}

/**
 * Parses Java `.properties` text into entries in file order (duplicates kept; the last one wins
 * when the caller folds them into a map, as in Java). Throws ConfigError on a malformed `\uXXXX`
 * (never quoting a secret value).
 */
export function parseProperties(text: string): PropertyEntry[] {
  const lines = text.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const entries: PropertyEntry[] = [];
  let logical: string | undefined;
  let startLine = 0;
  for (let n = 0; n < lines.length; n++) {
    const natural = lines[n] ?? '';
    const body = natural.slice(skipBlanks(natural, 0));
    if (logical === undefined) {
      if (body === '' || body.startsWith('#') || body.startsWith('!')) continue;
      logical = '';
      startLine = n + 1;
    }
    const continues = trailingBackslashes(body) % 2 === 1;
    logical += continues ? body.slice(0, -1) : body;
    if (continues && n < lines.length - 1) continue;
    const { rawKey, rawValue } = splitKeyValue(logical);
    const key = unescape(rawKey, startLine, false);
    entries.push({ key, value: unescape(rawValue, startLine, isSecretKey(key)), line: startLine });
    logical = undefined;
  }
  return entries;
}
