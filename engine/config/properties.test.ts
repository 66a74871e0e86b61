import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../core/errors.ts';
import { parseProperties } from './properties.ts';

const pairs = (text: string): [string, string][] => parseProperties(text).map((e) => [e.key, e.value]);

/** Java `Properties.store`-style escaping (saveConvert), used to round-trip arbitrary keys and values. */
function escape(s: string, isKey: boolean): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charAt(i);
    const code = c.charCodeAt(0);
    if (c === ' ' && (isKey || i === 0)) out += '\\ ';
    else if (c === '\t') out += '\\t';
    else if (c === '\n') out += '\\n';
    else if (c === '\r') out += '\\r';
    else if (c === '\f') out += '\\f';
    else if ('=:#!\\'.includes(c)) out += `\\${c}`;
    else if (code < 0x20 || code > 0x7e) out += `\\u${code.toString(16).padStart(4, '0')}`;
    else out += c;
  }
  return out;
}

describe('parseProperties', () => {
  it('accepts =, : and whitespace separators with blanks around them', () => {
    expect(pairs('a=1\nb = 2\nc:3\nd : 4\ne 5\nf\t=\t6\ng   :   7')).toEqual([
      ['a', '1'], ['b', '2'], ['c', '3'], ['d', '4'], ['e', '5'], ['f', '6'], ['g', '7'],
    ]);
  });

  it('uses only the first separator; later = and : belong to the value', () => {
    expect(pairs('url = http://h:1/x=y\nk == v')).toEqual([['url', 'http://h:1/x=y'], ['k', '= v']]);
  });

  it('gives an empty value to a key alone or a key with a bare separator', () => {
    expect(pairs('alone\nempty=\n  spaced =   ')).toEqual([['alone', ''], ['empty', ''], ['spaced', '']]);
  });

  it('keeps trailing whitespace of values and drops leading whitespace of lines', () => {
    expect(pairs('   k = v  ')).toEqual([['k', 'v  ']]);
  });

  it('skips # and ! comments (also indented) and blank lines', () => {
    expect(pairs('# c1\n  ! c2\n\n   \t\nk=v # not a comment')).toEqual([['k', 'v # not a comment']]);
  });

  it('joins continuation lines and drops the leading blanks of the next line', () => {
    const text = 'topics = a, \\\n        b, \\\n\t c\nnext = 1';
    expect(parseProperties(text)).toEqual([
      { key: 'topics', value: 'a, b, c', line: 1 },
      { key: 'next', value: '1', line: 4 },
    ]);
  });

  it('continues only on an odd number of trailing backslashes', () => {
    expect(pairs('a = x\\\\\nb = y')).toEqual([['a', 'x\\'], ['b', 'y']]);
    expect(pairs('a = x\\\\\\\ny')).toEqual([['a', 'x\\y']]);
  });

  it('never continues a comment line', () => {
    expect(pairs('# comment \\\nk = v')).toEqual([['k', 'v']]);
  });

  it('treats # at the start of a continuation line as data', () => {
    expect(pairs('k = a\\\n  #b')).toEqual([['k', 'a#b']]);
  });

  it('ends a continued line at a blank line and at end of input', () => {
    expect(pairs('k = a\\\n\nj = b\\')).toEqual([['k', 'a'], ['j', 'b']]);
  });

  it('resolves escapes: \\t \\n \\r \\f, \\uXXXX, and any other escaped char as itself', () => {
    expect(pairs('k = \\t\\n\\r\\f|\\u0041\\u00e9|\\#\\!\\=\\:\\\\|\\q')).toEqual([['k', '\t\n\r\f|Aé|#!=:\\|q']]);
  });

  it('allows escaped separators and spaces inside keys', () => {
    expect(pairs('a\\=b\\:c\\ d = v')).toEqual([['a=b:c d', 'v']]);
  });

  it('handles CRLF, CR and a UTF-8 BOM; line numbers count natural lines', () => {
    expect(parseProperties('\uFEFFa=1\r\nb=2\rc=3')).toEqual([
      { key: 'a', value: '1', line: 1 },
      { key: 'b', value: '2', line: 2 },
      { key: 'c', value: '3', line: 3 },
    ]);
  });

  it('keeps duplicates in file order (callers decide that the last wins)', () => {
    expect(pairs('k=1\nk=2')).toEqual([['k', '1'], ['k', '2']]);
  });

  it('rejects a malformed \\u escape with a ConfigError naming the line', () => {
    const attempt = (): unknown => parseProperties('ok = 1\nbad = \\u00zz');
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow("Invalid config: 'properties line 2' = '\\u00zz' (expected a \\uXXXX escape with 4 hex digits)");
  });

  it('never quotes a secret value in that error (issue 12: it echoed 4 characters of the password)', () => {
    for (const key of ['primary.sasl.password', 'primary.consumer.sasl.passwrd', 'sasl.jaas.config']) {
      const attempt = (): unknown => parseProperties(`ok = 1\n${key} = ab\\uS3cr3t-Pa55`);
      expect(attempt).toThrow("Invalid config: 'properties line 2' = '[REDACTED]' (expected a \\uXXXX escape with 4 hex digits)");
      expect(attempt).not.toThrow(/S3cr/);
    }
  });

  it('round-trips any key/value written with Java escaping (property, seed 42)', () => {
    const text = fc.string({ unit: 'binary', maxLength: 40 });
    fc.assert(
      fc.property(fc.array(fc.tuple(text.filter((k) => k.length > 0), text), { maxLength: 8 }), (kvs) => {
        const file = kvs.map(([k, v]) => `${escape(k, true)} = ${escape(v, false)}`).join('\n');
        expect(pairs(file)).toEqual(kvs);
      }),
      { seed: 42, numRuns: 300 },
    );
  });
});
