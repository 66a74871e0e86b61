// postinstall: fails the install when the librdkafka build lacks a compression codec the README
// promises (a dynamic build leaves zstd out silently when libzstd-dev was missing, and every zstd
// source partition would then stall with "Local: Not implemented"). Set
// KAFKA_MIRROR_ALLOW_MISSING_CODECS=1 to install anyway (the engine then warns at start).
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let Kafka;
try {
  Kafka = require('@confluentinc/kafka-javascript');
} catch (err) {
  console.error(`kafka-mirror-engine: cannot load @confluentinc/kafka-javascript (${err.message}).`);
  process.exit(process.env.KAFKA_MIRROR_ALLOW_MISSING_CODECS === '1' ? 0 : 1);
}
const codecs = ['gzip', 'snappy', 'lz4', 'zstd'];
const missing = codecs.filter((c) => !Kafka.features.includes(c));
if (missing.length === 0) {
  console.log(`kafka-mirror-engine: librdkafka ${Kafka.librdkafkaVersion} with ${codecs.join(', ')}`);
  process.exit(0);
}
const headers = { zstd: 'libzstd-dev', lz4: 'liblz4-dev', gzip: 'zlib1g-dev', snappy: '(bundled)' };
console.error([
  '',
  `kafka-mirror-engine: librdkafka ${Kafka.librdkafkaVersion} was built WITHOUT ${missing.join(', ')}.`,
  `Source topics compressed with ${missing.join('/')} could not be mirrored (every fetch fails with "Local: Not implemented").`,
  `Install the headers (Debian: apt-get install ${missing.map((c) => headers[c]).join(' ')}), then rebuild:`,
  '  rm -rf node_modules/@confluentinc/kafka-javascript/build && npm rebuild @confluentinc/kafka-javascript',
  'To install anyway, set KAFKA_MIRROR_ALLOW_MISSING_CODECS=1 (the engine warns at start).',
  '',
].join('\n'));
process.exit(process.env.KAFKA_MIRROR_ALLOW_MISSING_CODECS === '1' ? 0 : 1);
