/**
 * The slice of Kafka's protocol `Struct` encoding that MM2's internal records use
 * (org.apache.kafka.common.protocol.types): fields in declaration order, big-endian integers,
 * `STRING` = INT16 byte length + UTF-8 bytes (never null). Shared by offset-sync.ts, checkpoint.ts
 * and heartbeat.ts so the three value modules stay byte-compatible with MM2's Java classes.
 *
 * INT64 fields carry offsets and epoch milliseconds: read as JS numbers, and refused when beyond
 * ±2^53 (offsets never get there; a value that large means a corrupt or foreign record).
 */
import { ERROR_CODES, MirrorError } from '../core/errors.ts';

/** A record of an MM2 internal topic that does not decode. `field` names the part at fault. */
export class StructFormatError extends MirrorError {
  /** e.g. `checkpoint.value.metadata`. */
  readonly field: string;

  constructor(field: string, message: string) {
    super(ERROR_CODES.KAFKA_ERROR, `malformed MM2 record: ${field}: ${message}`);
    this.field = field;
  }
}

/** One field of a struct: its name (for errors) and type. */
export type StructField = readonly [name: string, type: 'int16' | 'int32' | 'int64' | 'string'];

/** Encodes `values` (same order as `fields`) into a Buffer. Throws RangeError for out-of-range numbers or a string over 32767 bytes. */
export function encodeStruct(fields: readonly StructField[], values: readonly (number | string)[]): Buffer {
  const strings = fields.map(([, type], i) => (type === 'string' ? Buffer.from(values[i] as string, 'utf8') : undefined));
  let size = 0;
  fields.forEach(([, type], i) => (size += type === 'int16' ? 2 : type === 'int32' ? 4 : type === 'int64' ? 8 : 2 + strings[i]!.length));
  const out = Buffer.alloc(size);
  let at = 0;
  fields.forEach(([name, type], i) => {
    const v = values[i]!;
    switch (type) {
      case 'int16':
        at = out.writeInt16BE(checkedInt(name, v, -0x8000, 0x7fff), at);
        break;
      case 'int32':
        at = out.writeInt32BE(checkedInt(name, v, -0x80000000, 0x7fffffff), at);
        break;
      case 'int64':
        at = out.writeBigInt64BE(BigInt(checkedInt(name, v, Number.MIN_SAFE_INTEGER, Number.MAX_SAFE_INTEGER)), at);
        break;
      case 'string': {
        const bytes = strings[i]!;
        if (bytes.length > 0x7fff) throw new RangeError(`${name}: a STRING holds at most 32767 bytes, got ${bytes.length}`);
        at = out.writeInt16BE(bytes.length, at);
        at += bytes.copy(out, at);
        break;
      }
    }
  });
  return out;
}

/**
 * Decodes `bytes` as `fields`. Trailing bytes are allowed (Kafka's `Schema.read` ignores them, which
 * keeps newer minor additions readable). Throws {@link StructFormatError} naming `what.<field>`.
 */
export function decodeStruct(what: string, fields: readonly StructField[], bytes: Buffer | null | undefined): (number | string)[] {
  if (!bytes) throw new StructFormatError(what, 'is null');
  const out: (number | string)[] = [];
  let at = 0;
  const need = (name: string, n: number) => {
    if (at + n > bytes.length) throw new StructFormatError(`${what}.${name}`, `needs ${n} bytes at position ${at}, record has ${bytes.length}`);
  };
  for (const [name, type] of fields) {
    switch (type) {
      case 'int16':
        need(name, 2);
        out.push(bytes.readInt16BE(at));
        at += 2;
        break;
      case 'int32':
        need(name, 4);
        out.push(bytes.readInt32BE(at));
        at += 4;
        break;
      case 'int64': {
        need(name, 8);
        const v = bytes.readBigInt64BE(at);
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new StructFormatError(`${what}.${name}`, `${v} is beyond ±2^53`);
        out.push(Number(v));
        at += 8;
        break;
      }
      case 'string': {
        need(name, 2);
        const length = bytes.readInt16BE(at);
        at += 2;
        if (length < 0) throw new StructFormatError(`${what}.${name}`, `negative length ${length} (STRING is never null)`);
        need(name, length);
        out.push(bytes.toString('utf8', at, at + length));
        at += length;
        break;
      }
    }
  }
  return out;
}

function checkedInt(name: string, v: number | string, min: number, max: number): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) throw new RangeError(`${name} must be an integer in [${min}, ${max}], got ${String(v)}`);
  return v;
}
