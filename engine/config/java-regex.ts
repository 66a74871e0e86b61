/**
 * Java regular expressions (`java.util.regex.Pattern`, the syntax of MM2's `topics`, `groups`, …) →
 * JavaScript RegExp source with the same meaning, so one mm2.properties means the same thing to MM2
 * and to this engine. A single pass that follows Pattern's parser (JDK 17 `Pattern.java`:
 * `RemoveQEQuoting`, `sequence`, `closure`, `clazz`, `range`, `escape`, `family`, `group0`):
 *
 * - what Java rejects throws {@link JavaRegexError} `invalid` with Java's own description
 *   ("Illegal repetition near index 11" for `commit-log{`);
 * - what Java accepts but cannot be reproduced exactly here throws `unsupported`, naming the
 *   feature (atomic groups, possessive quantifiers, inline flags other than a leading `(?i)`,
 *   nested classes and `&&`, back references, `\G \R \X \N{…} \b{g}`, Unicode scripts and blocks);
 * - everything else is re-emitted for JavaScript's `u` mode (code points, like Java), spelling out
 *   where JavaScript differs: Java's `.` also stops at U+0085, `$` also matches before a final line
 *   terminator, `\s` is ASCII-only, a lone `]` or `}` is a literal.
 *
 * Known differences that remain: `(?i)` folds case for ASCII only in Java and by Unicode rules in
 * JavaScript, `\b` uses Unicode letters in Java 17 (ASCII `\w` from Java 19), and the Unicode
 * version behind `\p{Lu}` is the runtime's. Topic names are ASCII, so none of these matter for them.
 */

import { CATEGORIES, CLASSES, DOLLAR, DOT, MAX_CODE_POINT, classText, complement, cp, hexValue, isAsciiAlpha, isDigit, literal, removeQuoting,
  type Ranges } from './java-regex-chars.ts';

/**
 * `invalid`: java.util.regex.Pattern rejects the pattern; `unsupported`: a feature this translation
 * refuses (Java may accept it). Internal to engine/config: compilePatternList turns it into a ConfigError.
 */
export class JavaRegexError extends Error {
  constructor(readonly kind: 'invalid' | 'unsupported', readonly reason: string) {
    super(reason);
    this.name = 'JavaRegexError';
  }
}

/** What an escape stands for: one code point, a class (ranges or a JS `\p{…}` text) or an assertion. */
type Escape = { cp: number } | { cls: Ranges | string } | { assertion: string };

class Translator {
  private readonly p: number[];
  private i = 0;
  private out = '';
  private flags = 'u';
  private readonly groups: { start: number; assertion: boolean }[] = [];
  private readonly names = new Set<string>();

  constructor(pattern: string) {
    this.p = removeQuoting([...pattern].map(cp));
  }

  private peek(k = 0): number {
    return this.p[this.i + k] ?? -1;
  }

  private invalid(description: string): never {
    throw new JavaRegexError('invalid', `${description} near index ${this.i}`);
  }

  private unsupported(feature: string): never {
    throw new JavaRegexError('unsupported', `${feature} is not supported by this engine`);
  }

  translate(): { source: string; flags: string } {
    let atom = -1; // start in `out` of the atom a quantifier would apply to; -1: none (Java: dangling)
    let assertion = false;
    const setAtom = (start: number, isAssertion = false): void => {
      atom = start;
      assertion = isAssertion;
    };
    while (this.i < this.p.length) {
      const c = this.peek();
      const start = this.out.length;
      if (c === cp('(')) {
        if (this.openGroup()) atom = -1;
      } else if (c === cp(')')) {
        const g = this.groups.pop() ?? this.invalid("Unmatched closing ')'");
        this.i++;
        this.out += ')';
        setAtom(g.start, g.assertion);
      } else if (c === cp('|')) {
        this.i++;
        this.out += '|';
        atom = -1;
      } else if (c === cp('[')) {
        this.out += this.characterClass();
        setAtom(start);
      } else if (c === cp('*') || c === cp('+') || c === cp('?') || c === cp('{')) {
        if (c !== cp('{') && atom < 0) {
          this.i++;
          this.invalid(`Dangling meta character '${String.fromCodePoint(c)}'`);
        }
        if (atom < 0) this.out += '(?:)'; // Java repeats an empty atom: `{3}`, `a*{2}`
        const body = this.out.slice(atom < 0 ? start : atom);
        this.out = this.out.slice(0, atom < 0 ? start : atom) + (assertion ? `(?:${body})` : body) + this.quantifier();
        atom = -1;
      } else if (c === cp('^') || c === cp('$') || c === cp('.')) {
        this.i++;
        this.out += c === cp('^') ? '^' : c === cp('$') ? DOLLAR : DOT;
        setAtom(start, c !== cp('.'));
      } else if (c === 0x5c) {
        const e = this.escape(false);
        this.out += 'cp' in e ? literal(e.cp) : 'cls' in e ? classText(e.cls, false) : e.assertion;
        setAtom(start, 'assertion' in e);
      } else {
        this.i++;
        this.out += literal(c);
        setAtom(start);
      }
    }
    if (this.groups.length > 0) this.invalid('Unclosed group');
    return { source: this.out, flags: this.flags };
  }

  /** Pattern.closure: `*`, `+`, `?`, `{n}`, `{n,}`, `{n,m}`, then an optional lazy `?`; possessive `+` is unsupported. */
  private quantifier(): string {
    const c = this.p[this.i++] ?? -1;
    let q = String.fromCodePoint(c);
    if (c === cp('{')) {
      const number = (): number => {
        let n = 0;
        while (isDigit(this.peek())) {
          n = n * 10 + (this.p[this.i++] ?? 0) - 0x30;
          if (n > 0x7fffffff) this.invalid('Illegal repetition range');
        }
        return n;
      };
      if (!isDigit(this.peek())) this.invalid('Illegal repetition');
      const min = number();
      let max: number | undefined = min;
      if (this.peek() === cp(',')) {
        this.i++;
        max = isDigit(this.peek()) ? number() : this.peek() === cp('}') ? undefined : 0;
      }
      if (this.peek() !== cp('}')) this.invalid('Unclosed counted closure');
      this.i++;
      if (max !== undefined && max < min) this.invalid('Illegal repetition range');
      q = max === min ? `{${min}}` : `{${min},${max ?? ''}}`;
    }
    if (this.peek() === cp('?')) {
      this.i++;
      q += '?';
    } else if (this.peek() === cp('+')) this.unsupported('possessive quantifiers (X*+, X++, X?+, X{n}+)');
    return q;
  }

  /** Pattern.group0. Returns true when a group was opened (false for the leading `(?i)`, which only sets a flag). */
  private openGroup(): boolean {
    const patternStart = this.i === 0;
    this.i++;
    const push = (text: string, assertion = false): true => {
      this.groups.push({ start: this.out.length, assertion });
      this.out += text;
      return true;
    };
    if (this.peek() !== cp('?')) return push('(');
    this.i++;
    const c = this.p[this.i++] ?? -1;
    if (c === cp(':')) return push('(?:');
    if (c === cp('=') || c === cp('!')) return push(`(?${String.fromCodePoint(c)}`, true);
    if (c === cp('>')) this.unsupported('atomic groups (?>X)');
    if (c === cp('<')) {
      const d = this.p[this.i++] ?? -1;
      if (d === cp('=') || d === cp('!')) return push(`(?<${String.fromCodePoint(d)}`, true);
      const name = this.groupName(d);
      if (this.names.has(name)) this.invalid(`Named capturing group <${name}> is already defined`);
      this.names.add(name);
      return push(`(?<${name}>`);
    }
    if (c === cp('$') || c === cp('@')) this.invalid('Unknown group type');
    this.i--;
    let flags = '';
    while (this.peek() >= 0 && 'idmsucxU'.includes(String.fromCodePoint(this.peek()))) flags += String.fromCodePoint(this.p[this.i++] ?? 0);
    if (this.peek() === cp('-')) {
      flags += '-';
      this.i++;
      while (this.peek() >= 0 && 'idmsucxU'.includes(String.fromCodePoint(this.peek()))) flags += String.fromCodePoint(this.p[this.i++] ?? 0);
    }
    const end = this.p[this.i++] ?? -1;
    if (end !== cp(')') && end !== cp(':')) this.invalid('Unknown inline modifier');
    if (flags === 'i' && end === cp(')') && patternStart) {
      this.flags = 'iu';
      return false;
    }
    return this.unsupported(`inline flags '(?${flags}${String.fromCodePoint(end)}' (only a leading (?i) is)`);
  }

  /** Pattern.groupname: an ASCII letter, then ASCII letters and digits, then `>`. */
  private groupName(first: number): string {
    if (!isAsciiAlpha(first)) this.invalid('capturing group name does not start with a Latin letter');
    let name = String.fromCodePoint(first);
    while (isAsciiAlpha(this.peek()) || isDigit(this.peek())) name += String.fromCodePoint(this.p[this.i++] ?? 0);
    if (this.p[this.i++] !== cp('>')) this.invalid("named capturing group is missing trailing '>'");
    return name;
  }

  /** Pattern.escape (and `family` for \p): `i` is at the backslash. `inClass` forbids assertions and back references. */
  private escape(inClass: boolean, rangeEnd = false): Escape {
    this.i++;
    const c = this.p[this.i++] ?? -1;
    const ch = c < 0 ? '' : String.fromCodePoint(c);
    const bad = (): never => this.invalid('Illegal/unsupported escape sequence');
    if (c < 0) this.invalid('Unexpected internal error (a trailing backslash)');
    if (ch === 'p' || ch === 'P') return rangeEnd ? bad() : { cls: this.family(ch === 'P') };
    if (ch === '0') return { cp: this.octal() };
    if (isDigit(c) || ch === 'k') {
      if (inClass) return bad();
      if (ch === 'k') { // Pattern.escape 'k': Java checks the syntax and that the group exists before anything else
        if (this.p[this.i++] !== cp('<')) this.invalid("\\k is not followed by '<' for named capturing group");
        const name = this.groupName(this.p[this.i++] ?? -1);
        if (!this.names.has(name)) this.invalid(`named capturing group <${name}> does not exist`);
      }
      return this.unsupported('back references (\\1, \\k<name>)');
    }
    const simple: Record<string, number> = { a: 7, e: 0x1b, f: 0x0c, n: 0x0a, r: 0x0d, t: 0x09 };
    if (simple[ch] !== undefined) return { cp: simple[ch] };
    if (ch === 'v' && inClass && (rangeEnd || this.peek() === cp('-'))) return { cp: 0x0b }; // Java: \v as a range bound is VT
    const lower = ch.toLowerCase();
    const cls = CLASSES[lower];
    if (lower.length === 1 && 'dswhv'.includes(lower) && cls !== undefined) return { cls: ch === lower ? cls : complement(cls) };
    if (ch === 'c') return this.i < this.p.length ? { cp: (this.p[this.i++] ?? 0) ^ 64 } : this.invalid('Illegal control escape sequence');
    if (ch === 'x') return { cp: this.hex() };
    if (ch === 'u') return { cp: this.unicode() };
    if (ch === 'N') return this.unsupported('\\N{name}');
    if (inClass && 'ABGRXZzb'.includes(ch)) return bad();
    const assertions: Record<string, string> = { A: '^', z: '$', Z: DOLLAR, B: '\\B' };
    if (assertions[ch] !== undefined) return { assertion: assertions[ch] };
    if (ch === 'b') return this.peek() === cp('{') ? this.unsupported('\\b{g}') : { assertion: '\\b' };
    if (ch === 'G' || ch === 'R' || ch === 'X') return this.unsupported(`\\${ch}`);
    return isAsciiAlpha(c) ? bad() : { cp: c }; // Java: any other non-letter escapes itself
  }

  /** Pattern.o: `\0` then 1–3 octal digits, at most \0377. */
  private octal(): number {
    const oct = (k: number): number => (this.peek(k) >= 0x30 && this.peek(k) <= 0x37 ? this.peek(k) - 0x30 : -1);
    const [n, m, o] = [oct(0), oct(1), oct(2)];
    if (n < 0) this.invalid('Illegal octal escape sequence');
    if (m < 0) return (this.i++, n);
    if (o < 0 || n > 3) return ((this.i += 2), n * 8 + m);
    this.i += 3;
    return n * 64 + m * 8 + o;
  }

  /** Pattern.x: `\xhh` or `\x{h…h}` up to U+10FFFF. */
  private hex(): number {
    const [n, m] = [hexValue(this.peek()), hexValue(this.peek(1))];
    if (n >= 0 && m >= 0) return ((this.i += 2), n * 16 + m);
    if (this.peek() !== cp('{') || hexValue(this.peek(1)) < 0) this.invalid('Illegal hexadecimal escape sequence');
    this.i++;
    let v = 0;
    while (hexValue(this.peek()) >= 0) {
      v = v * 16 + hexValue(this.p[this.i++] ?? 0);
      if (v > MAX_CODE_POINT) this.invalid('Hexadecimal codepoint is too big');
    }
    if (this.p[this.i++] !== cp('}')) this.invalid('Unclosed hexadecimal escape sequence');
    return v;
  }

  /** Pattern.u: exactly four hex digits; a high surrogate followed by `\u` low surrogate is one code point. */
  private unicode(): number {
    const four = (): number => {
      let v = 0;
      for (let k = 0; k < 4; k++) {
        const d = hexValue(this.p[this.i++] ?? -1);
        if (d < 0) this.invalid('Illegal Unicode escape sequence');
        v = v * 16 + d;
      }
      return v;
    };
    const high = four();
    if (high >= 0xd800 && high <= 0xdbff && this.peek() === 0x5c && this.peek(1) === cp('u')) {
      const save = this.i;
      this.i += 2;
      const low = four();
      if (low >= 0xdc00 && low <= 0xdfff) return 0x10000 + ((high - 0xd800) << 10) + (low - 0xdc00);
      this.i = save;
    }
    return high;
  }

  /** Pattern.family: `\pL` or `\p{Name}`: POSIX names and general categories; scripts, blocks and java* names are unsupported. */
  private family(negate: boolean): Ranges | string {
    let name: string;
    if (this.peek() === cp('{')) {
      const close = this.p.indexOf(cp('}'), this.i);
      if (close < 0) this.invalid('Unclosed character family');
      if (close === this.i + 1) this.invalid('Empty character family');
      name = String.fromCodePoint(...this.p.slice(this.i + 1, close));
      this.i = close + 1;
    } else {
      if (this.peek() < 0) this.invalid('Unknown character property name {}');
      name = String.fromCodePoint(this.p[this.i++] ?? 0);
    }
    const ranges = CLASSES[name];
    if (ranges !== undefined && name.length > 1) return negate ? complement(ranges) : ranges;
    if (CATEGORIES.has(name)) return `\\${negate ? 'P' : 'p'}{${name}}`;
    return this.unsupported(`\\p{${name}} (supported: POSIX names such as \\p{Alpha}, general categories such as \\p{Lu})`);
  }

  /** Pattern.clazz / range: `i` is at `[`. A leading `]` is a literal; nested classes and `&&` are unsupported. */
  private characterClass(): string {
    this.i++;
    let body = '';
    if (this.peek() === cp('^')) {
      this.i++;
      body = '^';
    }
    for (let items = 0; ; items++) {
      const c = this.peek();
      if (c < 0) this.invalid('Unclosed character class');
      if (c === cp('[') || (c === cp('&') && this.peek(1) === cp('&'))) this.unsupported('nested character classes and intersections ([a[b]], [a-z&&[^b]])');
      if (c === cp(']') && items > 0) {
        this.i++;
        return `[${body}]`;
      }
      let first: number;
      if (c === 0x5c) {
        const e = this.escape(true);
        if (!('cp' in e)) {
          body += classText('cls' in e ? e.cls : [], true);
          continue;
        }
        first = e.cp;
      } else first = this.p[this.i++] ?? 0;
      if (this.peek() === cp('-') && this.peek(1) !== cp('[') && this.peek(1) !== cp(']')) {
        this.i++;
        const last = this.peek() === 0x5c ? this.escape(true, true) : { cp: this.p[this.i++] ?? -1 };
        if (!('cp' in last) || last.cp < first) this.invalid('Illegal character range');
        body += `${literal(first, true)}-${literal(last.cp, true)}`;
      } else body += literal(first, true);
    }
  }
}

/**
 * Translates one Java regex into JavaScript `source` and `flags` (`u`, or `iu` after a leading `(?i)`)
 * with the same meaning under whole-string matching. Throws {@link JavaRegexError}: `invalid` when
 * java.util.regex.Pattern rejects `pattern`, `unsupported` when it uses a Java feature listed in the module doc.
 */
export function translateJavaRegex(pattern: string): { source: string; flags: string } {
  const { source, flags } = new Translator(pattern).translate();
  try {
    new RegExp(source, flags);
  } catch (err) {
    throw new JavaRegexError('unsupported', `JavaScript cannot compile its translation: ${(err as Error).message}`);
  }
  return { source, flags };
}
