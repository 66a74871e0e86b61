/**
 * The lexical pieces of java-regex.ts: Java's character classes as code-point ranges, the JavaScript
 * spelling of literals, Java's `.` and `$`, and `\Q…\E` removal exactly as `Pattern.RemoveQEQuoting`
 * does it (JDK 17 `java.util.regex.Pattern`, `CharPredicates`).
 */

/** Code-point ranges [lo, hi], inclusive. */
export type Ranges = readonly (readonly [number, number])[];

/** Largest Unicode code point. */
export const MAX_CODE_POINT = 0x10ffff;
/** Characters JavaScript `u` mode lets (and needs) a backslash before; `-` only inside a class. */
const SYNTAX = new Set([...'^$\\.*+?()[]{}|/'].map((c) => c.codePointAt(0) ?? 0));
/** Code point of the first character of `c`. */
export const cp = (c: string): number => c.codePointAt(0) ?? 0;
/** ASCII 0-9. */
export const isDigit = (c: number): boolean => c >= 0x30 && c <= 0x39;
/** ASCII a-z, A-Z. */
export const isAsciiAlpha = (c: number): boolean => (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
/** Value of an ASCII hex digit, -1 for anything else. */
export const hexValue = (c: number): number => (isDigit(c) ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x57 : -1);

/** Java `.`: anything but \n \r U+0085 U+2028 U+2029 (Pattern.DOT). */
export const DOT = '[^\\n\\r\\u0085\\u2028\\u2029]';
/** Java `$` and `\Z` without MULTILINE (Pattern.Dollar): end of input, or before a final line terminator (not between \r and \n). */
export const DOLLAR = '(?=(?:\\r\\n|(?<!\\r)\\n|[\\r\\u0085\\u2028\\u2029])?$)';

/** Java's predefined classes (ASCII unless UNICODE_CHARACTER_CLASS) and POSIX \p{…} names (CharPredicates.forProperty). */
export const CLASSES: Readonly<Record<string, Ranges>> = {
  d: [[0x30, 0x39]], w: [[0x30, 0x39], [0x41, 0x5a], [0x5f, 0x5f], [0x61, 0x7a]], s: [[0x09, 0x0d], [0x20, 0x20]],
  h: [[0x09, 0x09], [0x20, 0x20], [0xa0, 0xa0], [0x1680, 0x1680], [0x180e, 0x180e], [0x2000, 0x200a], [0x202f, 0x202f],
    [0x205f, 0x205f], [0x3000, 0x3000]],
  v: [[0x0a, 0x0d], [0x85, 0x85], [0x2028, 0x2029]],
  Lower: [[0x61, 0x7a]], Upper: [[0x41, 0x5a]], ASCII: [[0, 0x7f]], Alpha: [[0x41, 0x5a], [0x61, 0x7a]], Digit: [[0x30, 0x39]],
  Alnum: [[0x30, 0x39], [0x41, 0x5a], [0x61, 0x7a]], Punct: [[0x21, 0x2f], [0x3a, 0x40], [0x5b, 0x60], [0x7b, 0x7e]],
  Graph: [[0x21, 0x7e]], Print: [[0x20, 0x7e]], Blank: [[0x09, 0x09], [0x20, 0x20]], Cntrl: [[0, 0x1f], [0x7f, 0x7f]],
  XDigit: [[0x30, 0x39], [0x41, 0x46], [0x61, 0x66]], Space: [[0x09, 0x0d], [0x20, 0x20]], L1: [[0, 0xff]], all: [[0, MAX_CODE_POINT]],
};
/** General categories Java and JavaScript both know by the same name (`\p{Lu}`, `\pL`). */
export const CATEGORIES = new Set(('Cn Lu Ll Lt Lm Lo Mn Me Mc Nd Nl No Zs Zl Zp Cc Cf Co Cs Pd Ps Pe Pc Po Sm Sc Sk So Pi Pf '
  + 'L M N Z C P S LC').split(' '));

/** The code points not in `ranges`. */
export function complement(ranges: Ranges): Ranges {
  const out: [number, number][] = [];
  let next = 0;
  for (const [lo, hi] of [...ranges].sort((a, b) => a[0] - b[0])) {
    if (lo > next) out.push([next, lo - 1]);
    next = Math.max(next, hi + 1);
  }
  if (next <= MAX_CODE_POINT) out.push([next, MAX_CODE_POINT]);
  return out;
}

/** One code point as JavaScript `u`-mode source, escaped where it is syntax (`inClass`: also `-`). */
export function literal(c: number, inClass = false): string {
  if (SYNTAX.has(c) || (inClass && c === 0x2d)) return `\\${String.fromCodePoint(c)}`;
  if (c < 0x20 || c === 0x7f || (c >= 0xd800 && c <= 0xdfff)) return `\\u{${c.toString(16)}}`;
  return String.fromCodePoint(c);
}

const rangesBody = (r: Ranges): string =>
  r.map(([lo, hi]) => (lo === hi ? literal(lo, true) : `${literal(lo, true)}-${literal(hi, true)}`)).join('');

/** Pattern.RemoveQEQuoting: `\Q…\E` becomes escaped text before parsing, exactly as Java does it. */
export function removeQuoting(p: readonly number[]): number[] {
  let i = 0;
  while (i < p.length - 1 && !(p[i] === 0x5c && p[i + 1] === 0x51)) i += p[i] === 0x5c ? 2 : 1;
  if (i >= p.length - 1) return [...p];
  const out = p.slice(0, i);
  let inQuote = true;
  let beginQuote = true;
  for (i += 2; i < p.length;) {
    const c = p[i++] ?? 0;
    if (c > 0x7f || isAsciiAlpha(c)) out.push(c);
    else if (isDigit(c)) out.push(...(beginQuote ? [0x5c, cp('x'), cp('3')] : []), c);
    else if (c !== 0x5c) out.push(...(inQuote ? [0x5c] : []), c);
    else if (inQuote) {
      if (p[i] === cp('E')) {
        i++;
        inQuote = false;
      } else out.push(0x5c, 0x5c);
    } else if (p[i] === cp('Q')) {
      i++;
      inQuote = true;
      beginQuote = true;
      continue;
    } else {
      out.push(c);
      if (i < p.length) out.push(p[i++] ?? 0);
    }
    beginQuote = false;
  }
  return out;
}

/** A class as JavaScript source: `[…]` outside a class, its bare body inside one. */
export function classText(cls: Ranges | string, inClass: boolean): string {
  if (typeof cls === 'string') return cls;
  return inClass ? rangesBody(cls) : `[${rangesBody(cls)}]`;
}
