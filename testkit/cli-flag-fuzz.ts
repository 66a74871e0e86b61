/**
 * Flag-vector generators for the CLI property tests (fast-check): each CLI describes its flags once as
 * {@link FlagSpec}s (valid and invalid values), and {@link flagVector} builds argument vectors whose
 * outcome is known by construction — run, or exit 2 naming one of the flags at fault — while
 * {@link chaosArgv} builds arbitrary token soup (known and unknown flags, missing values, `--`,
 * `--flag=value`) for the "never throws, never an unexplained exit" property. Test-only: imports fast-check.
 */
import fc from 'fast-check';

/** One flag of a CLI as the generators see it. */
export interface FlagSpec {
  /** `--name` as typed. */
  flag: string;
  /** Values the CLI accepts on their own (absent for a boolean flag). */
  valid?: fc.Arbitrary<string>;
  /** Values the CLI must refuse, naming the flag (absent when every string is accepted). */
  invalid?: fc.Arbitrary<string>;
  /** The CLI refuses to run without it (exit 2 naming it). */
  required?: boolean;
}

/** An argument vector and what the parser must make of it. */
export interface FlagVector {
  argv: string[];
  /** Flags given an invalid value, unknown flags and missing required flags: the error must name one. Empty = must run. */
  culprits: string[];
  /** The value given to each valid valued flag, for round-trip checks. */
  values: Record<string, string>;
}

/** A piece of a vector the CLI-specific test adds (e.g. flags that are only valid together). */
export interface VectorPart {
  argv: string[];
  culprits: string[];
}

const lower = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'.split(''));

/** Unknown long flags (`--` + 3–10 lowercase letters) that are none of `known`. */
export function unknownFlag(known: readonly string[]): fc.Arbitrary<string> {
  return fc.string({ unit: lower, minLength: 3, maxLength: 10 }).map((s) => `--${s}`).filter((f) => !known.some((k) => k === f || k.startsWith(`${f}`)));
}

/** Strings that are not a non-negative integer (letters, signs, decimals, exponents, blanks, overflow). */
export const notAnInteger: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom('', ' ', 'abc', '-1', '1.5', '1e3', '0x10', '10abc', 'NaN', 'Infinity', '99999999999999999999'),
  fc.string({ unit: lower, minLength: 1, maxLength: 6 }),
  fc.integer({ min: -1_000_000, max: -1 }).map(String),
);

/** Decimal strings of integers in [min, max]. */
export function integerString(min: number, max: number): fc.Arbitrary<string> {
  return fc.integer({ min, max }).map(String);
}

/** Printable ASCII strings without leading `-` (a value, not something that reads as a flag). */
export function plainString(minLength: number, maxLength: number): fc.Arbitrary<string> {
  const unit = fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-:/,'.split(''));
  return fc.string({ unit, minLength, maxLength }).filter((s) => !s.startsWith('-'));
}

/**
 * Vectors over `specs`: each flag at most once (present when required unless left out on purpose,
 * otherwise optional), with a valid or (when it has some) an invalid value, written as `--f v` or
 * `--f=v`; plus, sometimes, an unknown flag and the CLI-specific `extra` parts; in shuffled order.
 * Values never start with `-`, except invalid ones the spec chose (commander takes the next argument
 * of a valued flag whatever it is).
 */
export function flagVector(specs: readonly FlagSpec[], extra: fc.Arbitrary<VectorPart> = fc.constant({ argv: [], culprits: [] })): fc.Arbitrary<FlagVector> {
  const known = specs.map((s) => s.flag);
  const choices = specs.map((spec) =>
    fc.record({
      present: fc.boolean(),
      dropRequired: fc.integer({ min: 0, max: 9 }).map((n) => n === 0), // 1 in 10 vectors leaves a required flag out
      bad: spec.invalid ? fc.integer({ min: 0, max: 5 }).map((n) => n === 0) : fc.constant(false),
      validValue: spec.valid ?? fc.constant(''),
      invalidValue: spec.invalid ?? fc.constant(''),
      equalsForm: fc.boolean(),
    }),
  );
  return fc
    .tuple(fc.tuple(...choices), fc.oneof({ weight: 5, arbitrary: fc.constant(null) }, { weight: 1, arbitrary: unknownFlag(known) }), extra, fc.integer())
    .map(([picked, unknown, part, shuffleSeed]) => {
      const groups: string[][] = [];
      const culprits = [...part.culprits];
      const values: Record<string, string> = {};
      picked.forEach((c, i) => {
        const spec = specs[i]!;
        const present = spec.required ? !c.dropRequired : c.present;
        if (!present) {
          if (spec.required) culprits.push(spec.flag);
          return;
        }
        if (spec.valid === undefined && spec.invalid === undefined) return void groups.push([spec.flag]);
        const value = c.bad ? c.invalidValue : c.validValue;
        if (c.bad) culprits.push(spec.flag);
        else values[spec.flag] = value;
        groups.push(c.equalsForm ? [`${spec.flag}=${value}`] : [spec.flag, value]);
      });
      if (unknown !== null) {
        culprits.push(unknown);
        groups.push([unknown]);
      }
      if (part.argv.length > 0) groups.push(part.argv);
      return { argv: shuffle(groups, shuffleSeed).flat(), culprits, values };
    });
}

/** Deterministic shuffle of whole groups (a flag stays next to its value). */
function shuffle<T>(items: T[], seed: number): T[] {
  const out = [...items];
  let s = seed >>> 0;
  for (let i = out.length - 1; i > 0; i--) {
    s = (Math.imul(s, 1_103_515_245) + 12_345) >>> 0;
    const j = s % (i + 1);
    [out[i], out[j]] = [out[j]!, out[i]!];
  }
  return out;
}

/**
 * Arbitrary token vectors: known flags with or without values (so a flag can swallow the next flag as
 * its value, or lack one at the end), unknown flags, `--`, `-`, `--flag=value`, random words and `tokens`.
 */
export function chaosArgv(specs: readonly FlagSpec[], tokens: readonly string[] = []): fc.Arbitrary<string[]> {
  const known = specs.map((s) => s.flag);
  const value = fc.oneof(fc.string({ maxLength: 8 }), ...specs.flatMap((s) => [s.valid, s.invalid].filter((a): a is fc.Arbitrary<string> => a !== undefined)));
  const token = fc.oneof(
    { weight: 4, arbitrary: fc.constantFrom(...known) },
    { weight: 3, arbitrary: value },
    { weight: 1, arbitrary: unknownFlag(known) },
    { weight: 1, arbitrary: fc.constantFrom('--', '-', '-x', '---', '--=', ...tokens) },
    { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...known), value).map(([f, v]) => `${f}=${v}`) },
  );
  return fc.array(token, { maxLength: 12 });
}

/** Output writers that collect what a parser printed. */
export function captureOutput(): { output: { writeOut: (t: string) => void; writeErr: (t: string) => void }; stdout: () => string; stderr: () => string } {
  let out = '';
  let err = '';
  return { output: { writeOut: (t) => void (out += t), writeErr: (t) => void (err += t) }, stdout: () => out, stderr: () => err };
}

/**
 * Asserts `stderr` is one flag error: an `error: …` line, optionally followed by commander's
 * `(Did you mean --count?)` suggestion line for a mistyped flag. Throws (an assertion error) otherwise.
 */
export function expectOneError(stderr: string): void {
  if (!/^error: [^\n]+\n(\(Did you mean [^\n]+\?\)\n)?$/.test(stderr)) throw new Error(`expected one 'error: …' line (and at most a suggestion), got ${JSON.stringify(stderr)}`);
}

/** True when `message` names `flag` as a flag (`--count`, `'--count <n>'`, `--count=…`), not as part of a longer one. */
export function namesFlag(message: string, flag: string): boolean {
  const escaped = flag.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(^|[\\s',(])${escaped}($|[\\s',=)<])`).test(message);
}
