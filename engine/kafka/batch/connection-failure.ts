/**
 * Why a connection of the batch path failed, in words and as a verdict: @platformatic/kafka's
 * `NetworkError` says only "Connection to host:port failed." and keeps the socket's error (refused, reset,
 * TLS verification) as its `cause`, so the message is the cause chain and a TLS trust failure is told apart.
 */

/**
 * Node's TLS verification error codes (`tls.TLSSocket` 'error', OpenSSL X509_V_ERR names, and the host name
 * check): the broker's certificate is not trusted. A verdict like a refused password — Kafka's Java client
 * raises it as SslAuthenticationException, never retried — so it becomes AUTH_FAILED (CLI exit 4).
 */
export const TLS_TRUST_CODES: ReadonlySet<string> = new Set([
  'SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'CERT_SIGNATURE_FAILURE', 'CERT_NOT_YET_VALID', 'CERT_HAS_EXPIRED', 'CERT_REVOKED',
  'CERT_UNTRUSTED', 'CERT_REJECTED', 'INVALID_CA', 'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/** The Node TLS trust error code found in `err` or its causes (5 deep at most), if any. */
export function tlsTrustFailureCode(err: unknown): string | undefined {
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && TLS_TRUST_CODES.has(code)) return code;
  }
  return undefined;
}

/** `err`'s message followed by its causes' (`a: b: c`), at most 5 deep; connection errors carry no secrets. */
export function causeChain(err: unknown): string {
  const parts: string[] = [];
  for (let e = err, depth = 0; e !== undefined && e !== null && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const message = e instanceof Error ? e.message : String(e);
    if (message !== '' && !parts.includes(message)) parts.push(message.replace(/\.$/, ''));
  }
  return parts.length > 0 ? parts.join(': ') : 'no error';
}
