/**
 * What every command-line tool of the project does the same way with its flags: strict integer
 * parsing, the one-line flag error (`error: --count must be a positive integer, got 'abc'`), and
 * turning commander's outcome into "run" or "exit with this code" (0 for help, 2 for bad input —
 * EXIT_CODES.CONFIG_INVALID — with nothing started).
 */
import { CommanderError, type Command } from 'commander';
import { ConfigError, EXIT_CODES } from '../engine/core/errors.ts';

/** Where commander and validation write: help to `writeOut`, errors to `writeErr`. */
export interface CliOutput {
  writeOut: (text: string) => void;
  writeErr: (text: string) => void;
}

/** Parses an integer flag strictly (digits only: no `1e3`, `10abc`, `1.5`); throws ConfigError naming the flag. */
export function integerFlag(flag: string, raw: string, min: number, expected: string): number {
  const value = /^\+?\d+$/.test(raw.trim()) ? Number(raw.trim()) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min) throw new ConfigError(flag, raw, expected);
  return value;
}

/** Formats a flag error the one way the CLIs report it: `error: --count must be a positive integer, got 'abc'`. */
export function formatFlagError(err: ConfigError): string {
  return `error: ${err.key} must be ${err.expected}, got '${err.value ?? ''}'\n`;
}

/**
 * Parses `argv` (without node and script) with `command` (built with `exitOverride()` and output to
 * `output`) and validates the flags with `toResult`. Returns `{ kind: 'run', ...result }`, or
 * `{ kind: 'exit', exitCode }`: 0 when help was shown, 2 for an unknown, missing or invalid flag or a
 * positional argument (one error line on `output.writeErr`).
 */
export function parseFlags<Flags, R extends object>(
  command: Command,
  argv: readonly string[],
  output: CliOutput,
  toResult: (flags: Flags) => R,
): ({ kind: 'run' } & R) | { kind: 'exit'; exitCode: number } {
  try {
    command.parse([...argv], { from: 'user' });
    if (command.args.length > 0) {
      output.writeErr(`error: unexpected argument '${command.args[0]}' (all inputs are --flags; see --help)\n`);
      return { kind: 'exit', exitCode: EXIT_CODES.CONFIG_INVALID };
    }
    return { kind: 'run', ...toResult(command.opts<Flags & Record<string, unknown>>()) };
  } catch (err) {
    if (err instanceof CommanderError) {
      // commander already wrote help or its one-line error; only the exit code is ours.
      const shownHelp = err.code === 'commander.helpDisplayed' || err.code === 'commander.help' || err.code === 'commander.version';
      return { kind: 'exit', exitCode: shownHelp ? EXIT_CODES.OK : EXIT_CODES.CONFIG_INVALID };
    }
    if (err instanceof ConfigError) {
      output.writeErr(formatFlagError(err));
      return { kind: 'exit', exitCode: EXIT_CODES.CONFIG_INVALID };
    }
    throw err;
  }
}
