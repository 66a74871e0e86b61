/**
 * CRC-32C speed for the batch path's choice (engine/kafka/batch/crc32c.ts): the native full pass
 * (@node-rs/crc32), the JS table loop, and the O(head + log n) patch the forwarding path uses after
 * rewriting producer fields (36-byte head: attributes..baseSequence). Sizes: a small batch (200 B),
 * a typical one (16 KiB), a large one (1 MiB).
 *
 *   npx tsx bench/crc32c.ts
 */
import { crc32c, crc32cTable, patchCrc32c } from 'kafka-mirror-engine/testing';

function time(label: string, size: number, fn: () => unknown): void {
  for (let i = 0; i < 50; i++) fn();
  const iterations = Math.max(50, Math.floor(2e8 / size / (label === 'js table' ? 10 : 1)));
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const ns = Number(process.hrtime.bigint() - t0);
  console.log(`| ${label} | ${size} | ${((size * iterations) / ns).toFixed(2)} | ${(ns / iterations / 1000).toFixed(2)} |`);
}

console.log('| implementation | bytes | GB/s | µs per batch |');
console.log('|---|---:|---:|---:|');
for (const size of [200, 16 * 1024, 1024 * 1024]) {
  const buf = Buffer.alloc(size);
  for (let i = 0; i < size; i++) buf[i] = (i * 2654435761) >>> 24;
  const oldHead = Buffer.from(buf.subarray(0, 36));
  const newHead = Buffer.from(oldHead).fill(7, 22, 36);
  const crc = crc32c(buf);
  if (crc !== crc32cTable(buf)) throw new Error('native and table CRC-32C disagree');
  time('native (@node-rs/crc32)', size, () => crc32c(buf));
  time('js table', size, () => crc32cTable(buf));
  time('patch (36-byte head)', size, () => patchCrc32c(crc, oldHead, newHead, size - 36));
}
