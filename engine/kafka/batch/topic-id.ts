/**
 * Topic IDs (KIP-516 `Uuid`, 16 bytes) in the two spellings the engine meets: base64url without padding
 * (what Kafka's CLI tools print and what the engine stores: engine/kafka/kafka-admin.ts) and the dashed
 * hex UUID @platformatic/kafka reads and writes on the wire (Metadata v12, Fetch v17).
 */

/** `AAAAAAAAAAAAAAAAAAAAAA` → `00000000-0000-0000-0000-000000000000`. Throws RangeError unless 16 bytes. */
export function topicIdToUuid(base64url: string): string {
  const bytes = Buffer.from(base64url, 'base64url');
  if (bytes.length !== 16) throw new RangeError(`topic ID ${base64url} is not 16 bytes of base64url`);
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** `00000000-0000-0000-0000-000000000000` → `AAAAAAAAAAAAAAAAAAAAAA`. Throws RangeError unless 32 hex digits. */
export function uuidToTopicId(uuid: string): string {
  const hex = uuid.replace(/-/g, '');
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) throw new RangeError(`${uuid} is not a UUID`);
  return Buffer.from(hex, 'hex').toString('base64url');
}
