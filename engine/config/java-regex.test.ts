import { describe, expect, it } from 'vitest';
import { JavaRegexError, translateJavaRegex } from './java-regex.ts';

/**
 * (pattern, does java.util.regex.Pattern.compile accept it) — every row checked against Java 17 with
 * `jshell`, e.g. `echo 'java.util.regex.Pattern.compile("commit-log{")' | jshell -q`. The invariant:
 * nothing Java rejects is accepted here, and nothing Java accepts is called invalid (it may be
 * `unsupported`: refused with the feature named).
 */
const JAVA_ACCEPTS: readonly (readonly [string, boolean])[] = [
  ["commit-log{", false], ["{", false], ["a{", false], ["a{}", false], ["a{,3}", false], ["a{3", false],
  ["a{3}", true], ["a{3,}", true], ["a{3,5}", true], ["a{5,3}", false], ["{3}", true], ["x|{", false], ["a}", true],
  ["}", true], ["]", true], ["a]", true], ["[a", false], ["[]", false], ["[]a]", true], ["[^]", false],
  ["[^]a]", true], ["[a-]", true], ["[-a]", true], ["[z-a]", false], ["[a-\\d]", false], ["[\\d-z]", true],
  ["[a-z&&[^b]]", true], ["[a[b]]", true], ["[a&b]", true], ["(a", false], ["a)", false], ["()", true],
  ["(|)", true], ["a||b", true], ["*a", false], ["+", false], ["?", false], ["a**", false], ["a*+", true],
  ["a++", true], ["a?+", true], ["a??", true], ["a{1,2}?", true], ["^*", true], ["$+", true], ["(?=a)*", true],
  ["\\b*", true], ["(?>a)", true], ["(?i)abc", true], ["a(?i)bc", true], ["(?i:a)b", true], ["(?q)a", false],
  ["(?<n1>a)\\k<n1>", true], ["(?<_n>a)", false], ["(?<n$>a)", false], ["(?<1n>a)", false],
  ["(?<n>a)(?<n>b)", false], ["\\k<zz>", false], ["\\x{41}", true], ["\\x4", false], ["\\xZZ", false],
  ["\\u004", false], ["\\u0041", true], ["\\u{41}", false], ["\\0", false], ["\\08", false], ["\\07", true],
  ["\\0377", true], ["\\0400", true], ["\\cA", true], ["\\c", false], ["\\p{Alpha}", true], ["\\p{Foo}", false],
  ["\\pL", true], ["\\p{L}", true], ["\\p{IsLatin}", true], ["\\1", true], ["(a)\\2", true], ["(a)\\1", true],
  ["\\y", false], ["\\_", true], ["\\-", true], ["\\/", true], ["\\a", true], ["\\e", true], ["\\A", true],
  ["\\z", true], ["\\Z", true], ["\\G", true], ["\\h", true], ["\\v", true], ["\\R", true], ["\\X", true],
  ["\\N{LATIN SMALL LETTER A}", true], ["\\b{g}", true], ["\\E", false], ["\\Qa{\\E", true], ["\\Qa{", true],
  ["\\", false], ["a\\", false], ["[\\b]", false], ["[\\Q]\\E]", true], [".*[\\-\\.]internal", true],
  [".*\\.replica", true], ["__.*", true], ["console-consumer-.*", true], ["[a-z", false], ["(?<=a)b", true],
  ["(?<!a+)b", true], ["(?<=a*)b", true], ["a{2147483648}", false], ["a{99999999999}", false], ["(?:a", false],
  ["a|", true], ["|a", true], ["[\\s\\S]", true], ["[\\w-z]", true], ["[a-\\w]", false], ["a{1}{2}", true],
  ["a*{2}", true], ["(?)", true], ["(?-i)a", true], ["\\Q\\E", true], ["\\Qab\\Ec*", true], ["[[:alpha:]]", true],
  ["[a-z&&]", true], ["[&&a]", true], ["(?x)a b", true], ["\\s+", true], ["[\\1]", false], ["[\\B]", false],
  ["[\\A]", false], ["[\\z]", false], ["[\\R]", false], ["[\\X]", false], ["[\\k<a>]", false], ["[\\h]", true],
  ["[\\v]", true], ["[\\s-a]", true], ["[a-\\s]", false], ["[\\x41-\\x5A]", true], ["[\\p{Alpha}-z]", true],
  ["[a-b-c]", true], ["[a-b-]", true], ["[--/]", true], ["[a--]", false], ["[\\Q\\E]", false], ["[\\Q\\E]]", true],
  ["[\\E]", false], ["[\\y]", false], ["[\\Z]", false], ["[\\G]", false], ["[\\N{LATIN SMALL LETTER A}]", true],
  ["\\c?", true], ["\\c1", true], ["\\x{110000}", false], ["\\x{10FFFF}", true], ["\\x{}", false],
  ["\\p{Lower}", true], ["\\p{IsAlphabetic}", true], ["\\p{javaLowerCase}", true], ["\\P{Alpha}", true],
  ["\\p{Lu}", true], ["\\p{gc=Lu}", true], ["\\p{IsL}", true], ["\\pZ", true], ["\\p", false], ["\\p{", false],
  ["\\p{Alpha", false], ["[\\P{Alpha}]", true], ["[^-a]", true], ["[^^]", true], ["[a^]", true], ["[\\]]", true],
  ["[\\\\]", true], ["[a\\-z]", true], ["[]-a]", true], ["[]]", true], ["[]-]", true], ["a{0}", true],
  ["a{01}", true], ["a{ 1}", false], ["a{1 }", false], ["a{1,2 }", false], ["\\07777", true], ["\\0777", true],
  ["\\08", false], ["\\09", false], ["\\0 ", false], ["\\k<n>(?<n>a)", false], ["(?<n>a)\\k<n", false],
  ["(?<n>a)\\k", false], ["(?<>a)", false], ["(?<=", false], ["(?<a", false], ["(?i-", false], ["(?i", false],
  ["(?", false], ["(?P<n>a)", false], ["(?#comment)", false], ["(?i)", true], ["(?i)(?i)a", true], ["\\Q", true],
  ["\\Q\\", true], ["\\Qa\\", true], ["\\\\Q", true], ["\\\\\\Qa.\\E", true], ["[a\\Q-\\Ez]", true],
  ["[a-\\Qz\\E]", true],
];

/** (pattern, [(input, java.util.regex.Pattern.matches(pattern, input))]) — checked with jshell on Java 17. */
const JAVA_MATCHES: readonly (readonly [string, readonly (readonly [string, boolean])[]])[] = [
  [".*[\\-\\.]internal", [["a.internal", true], ["a-internal", true], ["a_internal", false]]],
  ["a{2}", [["aa", true], ["a", false]]],
  ["{3}", [["", true], ["a", false]]],
  ["a*{2}", [["aaa", true], ["", true]]],
  ["]", [["]", true]]],
  ["a}", [["a}", true]]],
  ["[]a]", [["]", true], ["a", true], ["b", false]]],
  ["[^]a]", [["b", true], ["]", false], ["a", false]]],
  ["[a-]", [["-", true], ["a", true], ["b", false]]],
  ["[\\d-z]", [["-", true], ["5", true], ["z", true], ["a", false]]],
  ["[--/]", [[".", true], ["-", true], ["/", true], ["0", false]]],
  ["\\Qa.b\\E", [["a.b", true], ["axb", false]]],
  ["\\Qa{\\E", [["a{", true]]],
  ["(?i)abc", [["ABC", true], ["abc", true], ["abd", false]]],
  [".", [["\u0085", false], ["\u2028", false], ["x", true], ["\n", false]]],
  ["a$", [["a\n", false], ["a", true], ["a\r\n", false]]],
  ["a$\\n", [["a\n", true]]],
  ["a$\\r\\n", [["a\r\n", true]]],
  ["a\\Z\\r", [["a\r", true]]],
  ["\\s", [["\u00a0", false], ["\t", true], ["\u000b", true]]],
  ["\\S+", [["xy", true], [" ", false]]],
  ["\\p{Alpha}+", [["abC", true], ["a1", false]]],
  ["\\P{Alpha}", [["1", true], ["a", false]]],
  ["\\pL+", [["\u00e9t\u00e9", true], ["1", false]]],
  ["\\p{Lu}", [["A", true], ["a", false]]],
  ["\\x{41}\\x42", [["AB", true]]],
  ["\\0101\\07", [["A\u0007", true]]],
  ["\\cA", [["\u0001", true]]],
  ["\\a\\e", [["\u0007\u001b", true]]],
  ["\\u0041", [["A", true]]],
  ["[\\x41-\\x5A]+", [["ABZ", true], ["a", false]]],
  ["\\v", [["\u2028", true], ["\u000b", true], ["x", false]]],
  ["\\h", [["\u00a0", true], ["\t", true], ["\n", false]]],
  ["[\\v-\\x0c]", [["\u000b", true], ["\f", true], ["\n", false]]],
  ["(?=a)*a", [["a", true]]],
  ["^*a", [["a", true]]],
  ["\\Aab\\z", [["ab", true]]],
  ["a||b", [["", true], ["a", true], ["b", true]]],
  ["a{0}", [["", true], ["a", false]]],
  ["\\_\\-\\/", [["_-/", true]]],
  ["(?<n1>a)b", [["ab", true]]],
  ["[\\Q]\\E]", [["]", true]]],
  ["\\\\Q", [["\\Q", true]]],
  ["\\\\\\Qa.\\E", [["\\a.", true], ["\\ax", false]]],
  ["[\\w-z]", [["-", true], ["_", true]]],
  ["\\w+", [["\u00e9", false], ["a_1", true]]],
  ["[^\\d]", [["a", true], ["1", false]]],
  ["[\\D]", [["1", false], ["a", true]]],
  ["(a|b)+c?", [["abab", true], ["ababc", true], ["c", false]]],
  ["\\Q\\E", [["", true]]],
  ["\\Qab\\Ec*", [["abcc", true], ["ab", true]]],
  ["\\Q1\\E", [["1", true]]],
  ["\\01\\Q1\\E", [["\u00011", true]]],
  ["x{1,2}?y", [["xxy", true], ["y", false]]],
  ["[^-a]", [["-", false], ["b", true]]],
  ["[^^]", [["^", false], ["a", true]]],
  ["\\b", [["", false]]],
  ["a\\bb", [["ab", false]]],
  ["a\\Bb", [["ab", true]]],
  ["(?<=a)b", [["ab", false]]],
  [".*(?<!x)", [["ax", false], ["ay", true]]],
  ["[\\s\\S]", [["\n", true]]],
  ["\\uD83D\\uDE00", [["\ud83d\ude00", true]]],
  [".", [["\ud83d\ude00", true]]],
  ["[\\x{1F600}-\\x{1F64F}]", [["\ud83d\ude01", true]]],
  ["\\p{Punct}+", [["!-/", true]]],
  ["\\p{Graph}", [[" ", false], ["~", true]]],
  ["\\p{Cntrl}", [["\u007f", true]]],
  ["\\p{XDigit}+", [["0aF", true], ["g", false]]],
  ["\\p{Space}", [["\u000b", true]]],
  ["\\p{L1}", [["\u00ff", true], ["\u0100", false]]],
  ["\\p{all}", [["\n", true]]],
  ["\\P{Lu}", [["a", true], ["A", false]]],
  ["[\\p{Alpha}-z]", [["-", true], ["Q", true]]],
  ["(?:a)?", [["", true], ["a", true]]],
  ["$+", [["", true]]],
  ["\\Z", [["\n", false], ["", true]]],
];

function outcome(pattern: string): 'ok' | 'invalid' | 'unsupported' {
  try {
    translateJavaRegex(pattern);
    return 'ok';
  } catch (err) {
    if (!(err instanceof JavaRegexError)) throw err;
    return err.kind;
  }
}

describe('translateJavaRegex: accepts exactly what java.util.regex.Pattern accepts (or says what it does not support)', () => {
  it.each(JAVA_ACCEPTS.map(([p, java]) => [p, java] as const))('%j (Java accepts: %s)', (pattern, javaAccepts) => {
    const ours = outcome(pattern);
    if (javaAccepts) expect(ours).not.toBe('invalid');
    else expect(ours).not.toBe('ok');
  });

  it('rejects a dangling { with Java\'s description and position (issue 12: `topics = commit-log{` was accepted)', () => {
    expect(() => translateJavaRegex('commit-log{')).toThrow('Illegal repetition near index 11');
  });

  it('names the feature it does not support', () => {
    expect(() => translateJavaRegex('a*+')).toThrow('possessive quantifiers (X*+, X++, X?+, X{n}+) is not supported by this engine');
    expect(() => translateJavaRegex('[a-z&&[^b]]')).toThrow(/nested character classes and intersections/);
    expect(() => translateJavaRegex('a(?i)b')).toThrow(/only a leading \(\?i\)/);
  });

  it('refuses only these Java-valid patterns of the table: the features listed in the module doc', () => {
    expect(JAVA_ACCEPTS.filter(([p, java]) => java && outcome(p) === 'unsupported').map(([p]) => p)).toEqual([
      '[a-z&&[^b]]', '[a[b]]', 'a*+', 'a++', 'a?+', '(?>a)', 'a(?i)bc', '(?i:a)b', '(?<n1>a)\\k<n1>', '\\p{IsLatin}', '\\1',
      '(a)\\2', '(a)\\1', '\\G', '\\R', '\\X', '\\N{LATIN SMALL LETTER A}', '\\b{g}', '(?)', '(?-i)a', '[[:alpha:]]', '[a-z&&]',
      '[&&a]', '(?x)a b', '[\\N{LATIN SMALL LETTER A}]', '\\p{IsAlphabetic}', '\\p{javaLowerCase}', '\\p{gc=Lu}', '\\p{IsL}',
      '(?i)(?i)a',
    ]);
  });
});

describe('translateJavaRegex: same matches as Java (whole-name match, like Pattern.matches)', () => {
  it.each(JAVA_MATCHES.map(([p, rows]) => [p, rows] as const))('%j', (pattern, rows) => {
    const { source, flags } = translateJavaRegex(pattern);
    const re = new RegExp(`^(?:${source})$`, flags);
    expect(rows.map(([input]) => [input, re.test(input)])).toEqual(rows);
  });
});
