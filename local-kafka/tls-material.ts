/**
 * Throw-away TLS key material for a local cluster's optional SSL listener, made at test time with
 * `openssl` (no network): a self-signed CA, a broker certificate for `127.0.0.1` / `localhost` signed by
 * it, the broker's key and certificate chain as a PKCS#12 keystore (what Kafka's `ssl.keystore.type =
 * PKCS12` reads) and the CA certificate as PEM (what clients put in `ssl.ca.location`).
 *
 * The keystore password is random and handed to openssl through the environment, never on its command
 * line, so neither `ps` nor an error message built from the arguments shows it.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LocalKafkaError } from './local-kafka-error.ts';

/** Files (absolute paths) and keystore password of one CA and its broker certificate. */
export interface TlsMaterial {
  /** The CA certificate, PEM: clients trust it through `ssl.ca.location`. */
  caPem: string;
  /** The broker's key and certificate chain, PKCS#12 (`ssl.keystore.location` of the broker). */
  keystore: string;
  /** Password of {@link keystore} and of the key in it. A test secret: keep it out of logs and errors. */
  keystorePassword: string;
}

/** Validity of the generated certificates, days: a test run never outlives it. */
const VALID_DAYS = 2;

/** Environment variable that carries the keystore password to openssl (`-passout env:…`). */
const PASSWORD_ENV = 'KME_LOCAL_KAFKA_KEYSTORE_PASSWORD';

/**
 * The openssl invocations (argument lists, in order) that make a CA named `caName` and a broker
 * certificate for 127.0.0.1 / localhost in `dir`: CA key + self-signed CA certificate, broker key + CSR,
 * the CSR signed by the CA with subjectAltName `IP:127.0.0.1, DNS:localhost` (clients verify the host
 * name: librdkafka's `ssl.endpoint.identification.algorithm` defaults to `https`), and the PKCS#12
 * export. The password comes from the environment variable {@link PASSWORD_ENV}. Pure.
 */
export function opensslSteps(dir: string, caName: string): string[][] {
  const f = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  return [
    ['req', '-x509', ...ec, '-keyout', f('ca.key'), '-out', f('ca.pem'), '-days', String(VALID_DAYS), '-subj', `/CN=${caName}`,
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'],
    ['req', '-new', ...ec, '-keyout', f('broker.key'), '-out', f('broker.csr'), '-subj', '/CN=localhost'],
    ['x509', '-req', '-in', f('broker.csr'), '-CA', f('ca.pem'), '-CAkey', f('ca.key'), '-CAcreateserial', '-out', f('broker.pem'),
      '-days', String(VALID_DAYS), '-copy_extensions', 'none', '-extfile', f('broker.ext')],
    ['pkcs12', '-export', '-in', f('broker.pem'), '-inkey', f('broker.key'), '-certfile', f('ca.pem'), '-name', 'broker',
      '-out', f('broker.p12'), '-passout', `env:${PASSWORD_ENV}`],
  ];
}

/** The x509 extensions of the broker certificate (the file `-extfile` of {@link opensslSteps} reads). Pure. */
export function brokerCertificateExtensions(): string {
  return ['subjectAltName = IP:127.0.0.1, DNS:localhost', 'extendedKeyUsage = serverAuth', 'keyUsage = critical, digitalSignature, keyEncipherment', ''].join('\n');
}

/**
 * Makes a fresh CA called `caName` and a broker certificate signed by it in `dir` (created if missing).
 * Throws LocalKafkaError with openssl's stderr when a step fails (the password is not in it).
 */
export function createTlsMaterial(dir: string, caName = 'kme-local-ca'): TlsMaterial {
  mkdirSync(dir, { recursive: true });
  const keystorePassword = randomBytes(12).toString('hex');
  writeFileSync(join(dir, 'broker.ext'), brokerCertificateExtensions());
  for (const args of opensslSteps(dir, caName)) {
    const r = spawnSync('openssl', args, { encoding: 'utf8', env: { ...process.env, [PASSWORD_ENV]: keystorePassword } });
    if (r.status !== 0) {
      throw new LocalKafkaError(`openssl ${args[0]} failed making TLS material in ${dir} (exit ${r.status}): ${r.error?.message ?? ''}${r.stderr}`);
    }
  }
  return { caPem: join(dir, 'ca.pem'), keystore: join(dir, 'broker.p12'), keystorePassword };
}
