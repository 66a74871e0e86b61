/**
 * CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) of record batch v2: the batch CRC covers the
 * bytes from `attributes` to the end of the batch (Kafka protocol doc "Record Batch";
 * `DefaultRecordBatch.computeChecksum` in apache/kafka).
 *
 * Two ways to a new CRC after rewriting producer fields:
 * - {@link crc32c}: the whole region again, with `@node-rs/crc32` (native, prebuilt in its npm package:
 *   no compiler at install). Measured here (`npx tsx bench/crc32c.ts`, 2 loaded cores): 6.5–7 GB/s on
 *   16 KiB–1 MiB, against 0.3–0.45 GB/s for the JS table loop ({@link crc32cTable}) and 1.5 GB/s for
 *   @platformatic/wasm-utils' WASM crc32c; `sse4_crc32` (SSE4.2) measured 7.5–9 GB/s in the same run but
 *   compiles with node-gyp at install (C++ toolchain and Node headers on every machine), last release 2024.
 * - {@link patchCrc32c}: CRC-32C is affine in the message, so for two messages of equal length that
 *   differ only in the first `w` bytes, `crc(new) = crc(old) ^ L(diff) · x^(8·(n−w)) mod P`, where
 *   `L` is the CRC register with zero init and no final xor (zlib's `crc32_combine` algebra). That costs
 *   O(w + log n), not O(n): the forwarding path never reads the records to re-sign a batch (measured
 *   0.2–0.5 µs per batch at any size; a full native pass over 1 MiB takes ~150 µs). If the source
 *   batch was corrupt, the patched CRC is still wrong by the same error, so the target broker's CRC check
 *   (`UnifiedLog.analyzeAndValidateRecords`) still rejects it: end-to-end integrity is kept.
 */
import { crc32c as nativeCrc32c } from '@node-rs/crc32';

const POLY = 0x82f63b78;

/** Byte-wise table of the reflected CRC-32C polynomial. */
const TABLE = (() => {
  const t = new Int32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLY : c >>> 1;
    t[n] = c;
  }
  return t;
})();

/** CRC-32C (uint32) of `buf[start, end)`, native. */
export function crc32c(buf: Buffer, start = 0, end = buf.length): number {
  return nativeCrc32c(start === 0 && end === buf.length ? buf : buf.subarray(start, end)) >>> 0;
}

/** CRC-32C (uint32) of `buf[start, end)` with a JS table loop: the reference the tests and the bench compare with. */
export function crc32cTable(buf: Uint8Array, start = 0, end = buf.length): number {
  let c = -1;
  for (let i = start; i < end; i++) c = TABLE[(c ^ buf[i]!) & 0xff]! ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}

/** a·b mod P in the reflected representation (bit 31 is x^0); zlib's multmodp. */
function multModP(a: number, b: number): number {
  let m = 0x80000000;
  let p = 0;
  for (;;) {
    if (a & m) {
      p ^= b;
      if ((a & (m - 1)) === 0) break;
    }
    m >>>= 1;
    b = b & 1 ? (b >>> 1) ^ POLY : b >>> 1;
  }
  return p >>> 0;
}

/** X2N[k] = x^(2^k) mod P. */
const X2N = (() => {
  const t = new Uint32Array(32);
  let p = 0x40000000; // x^1
  t[0] = p;
  for (let k = 1; k < 32; k++) t[k] = p = multModP(p, p);
  return t;
})();

/** x^(8·bytes) mod P: the operator that appends `bytes` zero bytes to a zero-init CRC register. */
function zeroBytesOperator(bytes: number): number {
  let p = 0x80000000; // x^0
  let k = 3; // 8 = 2^3
  for (let n = bytes; n > 0; n = Math.floor(n / 2), k++) {
    if (n % 2 === 1) p = multModP(X2N[k & 31]!, p);
  }
  return p;
}

/**
 * The CRC-32C of a message after its first `oldHead.length` bytes changed from `oldHead` to `newHead`
 * (same length `w`), `tailBytes` unchanged bytes following them, given the old message's CRC `oldCrc`.
 * O(w + log tailBytes). Throws RangeError when the heads differ in length.
 */
export function patchCrc32c(oldCrc: number, oldHead: Uint8Array, newHead: Uint8Array, tailBytes: number): number {
  if (oldHead.length !== newHead.length) throw new RangeError(`patchCrc32c: heads of ${oldHead.length} and ${newHead.length} bytes`);
  let c = 0;
  for (let i = 0; i < oldHead.length; i++) c = TABLE[(c ^ oldHead[i]! ^ newHead[i]!) & 0xff]! ^ (c >>> 8);
  if (c === 0) return oldCrc >>> 0;
  return (oldCrc ^ multModP(zeroBytesOperator(tailBytes), c >>> 0)) >>> 0;
}
