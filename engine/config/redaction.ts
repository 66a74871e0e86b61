/**
 * What may appear in a log line or an error message. A value is shown only when its key is a known,
 * non-secret setting; everything else becomes {@link REDACTED}. Two rules, both by key name:
 *
 * - {@link isSecretKey}: the name contains a secret-ish word (pass, pw, secret, jaas, token,
 *   credential, private, key, user.info, oauthbearer.config), so misspellings such as
 *   `sasl.passwrd` or `ssl.keystore.pasword`… are caught as long as they keep one of the words;
 * - {@link redactProps}: a librdkafka property name this build of librdkafka does not know (a typo,
 *   a Java name that was not translated) is redacted too — nobody needs its value in a log line,
 *   and a misspelled secret that lost every secret-ish word (`sasl.pazzword`) is still hidden.
 */

/** Replacement text for secret values in logs, error messages and {@link redactProps}. */
export const REDACTED = '[REDACTED]';

const SECRET_WORDS = /pass|pw|secret|jaas|token|credential|private|key|user\.info|oauthbearer\.config/i;
/**
 * Names that contain a secret word but hold no secret: paths (`ssl.key.location`,
 * `sasl.kerberos.keytab`, `*.file`), store types, Java serializer / converter classes
 * (`key.serializer`) and algorithm names (`ssl.keymanager.algorithm`). Judged on the last
 * segment only, so `ssl.key.password` stays secret.
 */
const HARMLESS_SUFFIX = /(\.location|\.file|keytab|\.type|serializer|converter|\.algorithm)$/i;

/**
 * True when values of `key` (a full mm2.properties key or a client property name) must never be shown:
 * see the module doc. Over-redaction is the safe failure: `sasl.oauthbearer.token.endpoint.url` is hidden too.
 */
export function isSecretKey(key: string): boolean {
  return SECRET_WORDS.test(key) && !HARMLESS_SUFFIX.test(key);
}

/**
 * librdkafka configuration property names (global and topic level) of the pinned
 * @confluentinc/kafka-javascript 1.10.1, from its deps/librdkafka/CONFIGURATION.md; callback and
 * pointer properties (names with `_`, `opaque`) left out — they cannot come from a properties file.
 * redaction.test.ts compares this list with that file, so a librdkafka upgrade shows the difference.
 */
export const LIBRDKAFKA_PROPERTIES: ReadonlySet<string> = new Set([
  'acks', 'allow.auto.create.topics', 'api.version.fallback.ms', 'api.version.request',
  'api.version.request.timeout.ms', 'auto.commit.enable', 'auto.commit.interval.ms', 'auto.offset.reset',
  'batch.num.messages', 'batch.size', 'bootstrap.servers', 'broker.address.family', 'broker.address.ttl',
  'broker.version.fallback', 'builtin.features', 'check.crcs', 'client.dns.lookup', 'client.id', 'client.rack',
  'compression.codec', 'compression.level', 'compression.type', 'connections.max.idle.ms',
  'consume.callback.max.messages', 'coordinator.query.interval.ms', 'debug', 'delivery.report.only.error',
  'delivery.timeout.ms', 'enable.auto.commit', 'enable.auto.offset.store', 'enable.gapless.guarantee',
  'enable.idempotence', 'enable.metrics.push', 'enable.partition.eof', 'enable.random.seed',
  'enable.sasl.oauthbearer.unsecure.jwt', 'enable.ssl.certificate.verification', 'fetch.error.backoff.ms',
  'fetch.max.bytes', 'fetch.message.max.bytes', 'fetch.min.bytes', 'fetch.queue.backoff.ms', 'fetch.wait.max.ms',
  'group.id', 'group.instance.id', 'group.protocol', 'group.protocol.type', 'group.remote.assignor',
  'heartbeat.interval.ms', 'https.ca.location', 'https.ca.pem', 'interceptors', 'internal.termination.signal',
  'isolation.level', 'linger.ms', 'log.connection.close', 'log.queue', 'log.thread.name', 'max.in.flight',
  'max.in.flight.requests.per.connection', 'max.partition.fetch.bytes', 'max.poll.interval.ms', 'max.poll.records',
  'message.copy.max.bytes', 'message.max.bytes', 'message.send.max.retries', 'message.timeout.ms',
  'metadata.broker.list', 'metadata.max.age.ms', 'metadata.recovery.rebootstrap.trigger.ms',
  'metadata.recovery.strategy', 'offset.store.method', 'offset.store.path', 'offset.store.sync.interval.ms',
  'partition.assignment.strategy', 'partitioner', 'plugin.library.paths', 'produce.offset.report',
  'queue.buffering.backpressure.threshold', 'queue.buffering.max.kbytes', 'queue.buffering.max.messages',
  'queue.buffering.max.ms', 'queued.max.messages.kbytes', 'queued.min.messages', 'queuing.strategy',
  'receive.message.max.bytes', 'reconnect.backoff.jitter.ms', 'reconnect.backoff.max.ms', 'reconnect.backoff.ms',
  'request.required.acks', 'request.timeout.ms', 'retries', 'retry.backoff.max.ms', 'retry.backoff.ms',
  'sasl.kerberos.keytab', 'sasl.kerberos.kinit.cmd', 'sasl.kerberos.min.time.before.relogin',
  'sasl.kerberos.principal', 'sasl.kerberos.service.name', 'sasl.mechanism', 'sasl.mechanisms',
  'sasl.oauthbearer.assertion.algorithm', 'sasl.oauthbearer.assertion.claim.aud',
  'sasl.oauthbearer.assertion.claim.exp.seconds', 'sasl.oauthbearer.assertion.claim.iss',
  'sasl.oauthbearer.assertion.claim.jti.include', 'sasl.oauthbearer.assertion.claim.nbf.seconds',
  'sasl.oauthbearer.assertion.claim.sub', 'sasl.oauthbearer.assertion.file',
  'sasl.oauthbearer.assertion.jwt.template.file', 'sasl.oauthbearer.assertion.private.key.file',
  'sasl.oauthbearer.assertion.private.key.passphrase', 'sasl.oauthbearer.assertion.private.key.pem',
  'sasl.oauthbearer.client.credentials.client.id', 'sasl.oauthbearer.client.credentials.client.secret',
  'sasl.oauthbearer.client.id', 'sasl.oauthbearer.client.secret', 'sasl.oauthbearer.config',
  'sasl.oauthbearer.extensions', 'sasl.oauthbearer.grant.type', 'sasl.oauthbearer.metadata.authentication.type',
  'sasl.oauthbearer.method', 'sasl.oauthbearer.scope', 'sasl.oauthbearer.sub.claim.name',
  'sasl.oauthbearer.token.endpoint.url', 'sasl.password', 'sasl.username', 'security.protocol', 'session.timeout.ms',
  'share.acknowledgement.mode', 'socket.blocking.max.ms', 'socket.connection.setup.timeout.ms',
  'socket.keepalive.enable', 'socket.max.fails', 'socket.nagle.disable', 'socket.receive.buffer.bytes',
  'socket.send.buffer.bytes', 'socket.timeout.ms', 'ssl.ca.certificate.stores', 'ssl.ca.location', 'ssl.ca.pem',
  'ssl.certificate.location', 'ssl.certificate.pem', 'ssl.cipher.suites', 'ssl.crl.location', 'ssl.curves.list',
  'ssl.endpoint.identification.algorithm', 'ssl.engine.id', 'ssl.engine.location', 'ssl.key.location',
  'ssl.key.password', 'ssl.key.pem', 'ssl.keystore.location', 'ssl.keystore.password', 'ssl.providers',
  'ssl.sigalgs.list', 'statistics.interval.ms', 'sticky.partitioning.linger.ms', 'topic.blacklist',
  'topic.metadata.propagation.max.ms', 'topic.metadata.refresh.fast.cnt', 'topic.metadata.refresh.fast.interval.ms',
  'topic.metadata.refresh.interval.ms', 'topic.metadata.refresh.sparse', 'transaction.timeout.ms',
  'transactional.id',
]);

/**
 * Copy of librdkafka client `props` for logs: the value of a secret key (see {@link isSecretKey}) or of a
 * name librdkafka does not know (see {@link LIBRDKAFKA_PROPERTIES}) becomes {@link REDACTED}; keys stay.
 */
export function redactProps(props: Readonly<Record<string, string>>): Record<string, string> {
  return Object.fromEntries(Object.entries(props).map(([k, v]) =>
    [k, isSecretKey(k) || !LIBRDKAFKA_PROPERTIES.has(k) ? REDACTED : v]));
}
