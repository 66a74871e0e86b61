/**
 * The Apache Kafka jars the local clusters, the perf tools and real MirrorMaker 2 run from.
 * They come from Maven Central through `local-kafka/pom.xml` (the pinned release lives there) and
 * are copied into a gitignored cache. Fetching is idempotent: a marker file records the pom's hash.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LocalKafkaError } from './local-kafka-error.ts';

const HERE = dirname(fileURLToPath(import.meta.url));

/** Absolute path of the pom that pins the Kafka release. */
export const POM_PATH = join(HERE, 'pom.xml');

/** Folder holding the fetched jars (gitignored). Override with `KAFKA_JARS_DIR`. */
export const JARS_DIR = process.env.KAFKA_JARS_DIR ?? join(HERE, '.cache', 'jars');

const MARKER = '.complete';

/** The Kafka version pinned in pom.xml (`<kafka.version>`). Throws if the pom has none. */
export function pinnedKafkaVersion(): string {
  const match = /<kafka\.version>([^<]+)<\/kafka\.version>/.exec(readFileSync(POM_PATH, 'utf8'));
  if (!match?.[1]) throw new LocalKafkaError(`no <kafka.version> in ${POM_PATH}`);
  return match[1];
}

function pomHash(): string {
  return createHash('sha256').update(readFileSync(POM_PATH)).digest('hex');
}

/** True when the jar cache holds a complete copy for the current pom. */
export function jarsPresent(dir: string = JARS_DIR): boolean {
  const marker = join(dir, MARKER);
  return existsSync(marker) && readFileSync(marker, 'utf8').trim() === pomHash();
}

/**
 * Copies the pinned Kafka jars into {@link JARS_DIR} with Maven (`maven-dependency-plugin:copy-dependencies`).
 * No-op when the cache is already complete for this pom. Returns the jar folder.
 * Throws LocalKafkaError (code LOCAL_KAFKA) when Maven is missing or the copy fails (Maven's output is included).
 */
export function fetchJars(options: { dir?: string; quiet?: boolean } = {}): string {
  const dir = options.dir ?? JARS_DIR;
  if (jarsPresent(dir)) return dir;
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  const result = spawnSync(
    'mvn',
    [
      '-B',
      '-q',
      '-f',
      POM_PATH,
      'org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy-dependencies',
      '-DincludeScope=runtime',
      `-DoutputDirectory=${dir}`,
    ],
    { encoding: 'utf8', stdio: options.quiet ? 'pipe' : ['ignore', 'inherit', 'inherit'] },
  );
  if (result.error) {
    throw new LocalKafkaError(
      `cannot run Maven ('mvn'): ${result.error.message}. Install Maven 3 and Java 17 (Debian: apt-get install maven openjdk-17-jre-headless)`,
      { cause: result.error },
    );
  }
  const jars = readdirSync(dir).filter((f) => f.endsWith('.jar'));
  if (result.status !== 0 || !jars.some((j) => j.startsWith('kafka_2.13-'))) {
    throw new LocalKafkaError(`Maven could not copy the Kafka jars (exit ${result.status}): ${(result.stderr ?? '') + (result.stdout ?? '')}`.trim());
  }
  writeFileSync(join(dir, MARKER), pomHash());
  return dir;
}

/** The Java classpath (`<dir>/*`) for the fetched jars; fetches them first if needed. */
export function kafkaClasspath(): string {
  return `${fetchJars({ quiet: true })}/*`;
}
