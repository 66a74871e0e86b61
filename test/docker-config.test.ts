/**
 * docker-compose.yml and the Dockerfile cannot be run on our machines (no Docker engine), so their
 * references are checked here: every file they mount, copy or execute exists, the engine config the
 * compose file mounts is valid and points at the compose brokers, and the tool the Kafka healthcheck
 * runs ships with the pinned Kafka release. (CI also runs `docker-compose config -q`.)
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { parseMirrorConfig } from '../engine/index.ts';
import { JARS_DIR, fetchJars, pinnedKafkaVersion } from '../local-kafka/jars.ts';

const ROOT = join(import.meta.dirname, '..');

interface Service {
  image?: string;
  container_name?: string;
  build?: { context: string; dockerfile: string };
  ports?: string[];
  volumes?: string[];
  entrypoint?: string[];
  command?: string[];
  profiles?: string[];
  environment?: Record<string, string | number>;
  healthcheck?: { test: string[] };
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const copies = [...dockerfile.matchAll(/^COPY\s+(.+)\s+(\S+)$/gm)].flatMap((m) => m[1]!.split(/\s+/));

describe('docker-compose.yml', () => {
  it('has both clusters on host ports 9092/9093, the engine, a producer profile and a web UI', () => {
    const s = compose.services;
    expect(Object.keys(s).sort()).toEqual(['kafka-ui', 'mirror-engine', 'primary-kafka', 'producer', 'standby-kafka']);
    expect(s['primary-kafka']!.ports).toContain('9092:9092');
    expect(s['standby-kafka']!.ports).toContain('9093:9093');
    expect(s['primary-kafka']!.image).toBe(`apache/kafka:${pinnedKafkaVersion()}`);
    expect(s.producer!.profiles).toEqual(['producer']);
  });

  it('lets the engine scale (`docker compose up --scale mirror-engine=3`): no fixed container name or host port, every replica mounts the same config', () => {
    const engine = compose.services['mirror-engine']!;
    expect(engine.container_name).toBeUndefined();
    expect(engine.ports ?? []).toEqual([]);
    expect(engine.volumes?.every((v) => v.endsWith(':ro'))).toBe(true); // shared read-only by every replica
    // Replicas of one flow form one group on the target: nothing per replica in the config (group.id is per flow).
    const mounted = engine.volumes![0]!.split(':')[0]!;
    const { config } = parseMirrorConfig(readFileSync(join(ROOT, mounted), 'utf8'));
    expect(config.flows.map((f) => f.groupIdPrefix)).toEqual(['kafka-mirror']);
  });

  it('mounts files that exist and builds from a Dockerfile that copies only existing paths', () => {
    for (const [name, svc] of Object.entries(compose.services)) {
      for (const v of svc.volumes ?? []) expect(existsSync(join(ROOT, v.split(':')[0]!)), `${name} mounts ${v}`).toBe(true);
      if (svc.build) expect(existsSync(join(ROOT, svc.build.context, svc.build.dockerfile)), `${name} Dockerfile`).toBe(true);
    }
    expect(copies.length).toBeGreaterThan(0);
    for (const src of copies) expect(existsSync(join(ROOT, src)), `Dockerfile COPY ${src}`).toBe(true);
  });

  it('runs entry points that exist and are copied into the image', () => {
    const entry = /ENTRYPOINT \["node", "([^"]+)"\]/.exec(dockerfile)?.[1];
    const producerEntry = compose.services.producer!.entrypoint!;
    for (const script of [entry!, producerEntry[1]!]) {
      expect(existsSync(join(ROOT, script)), script).toBe(true);
      expect(copies.some((c) => script.startsWith(c)), `${script} is copied`).toBe(true);
    }
    expect(producerEntry[0]).toBe('node');
  });

  it('mounts an mm2.properties that parses cleanly and points at the compose brokers', () => {
    const mounted = compose.services['mirror-engine']!.volumes![0]!.split(':')[0]!;
    const { config, warnings } = parseMirrorConfig(readFileSync(join(ROOT, mounted), 'utf8'));
    expect(warnings).toEqual([]);
    const advertised = (svc: string) => String(compose.services[svc]!.environment!.KAFKA_ADVERTISED_LISTENERS).split(',')[0]!.replace('PLAINTEXT://', '');
    expect(config.flows[0]!.source.bootstrapServers).toBe(advertised('primary-kafka'));
    expect(config.flows[0]!.target.bootstrapServers).toBe(advertised('standby-kafka'));
  });

  it('healthchecks with a tool the pinned Kafka release ships', () => {
    fetchJars({ quiet: true });
    const toolsJar = readdirSync(JARS_DIR).find((f) => /^kafka-tools-\d/.test(f))!;
    const classes = execFileSync('unzip', ['-l', join(JARS_DIR, toolsJar)], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
    for (const svc of ['primary-kafka', 'standby-kafka']) {
      const cmd = compose.services[svc]!.healthcheck!.test.join(' ');
      expect(cmd).toContain('/opt/kafka/bin/kafka-broker-api-versions.sh');
    }
    // kafka-broker-api-versions.sh runs org.apache.kafka.tools.BrokerApiVersionsCommand in Kafka 4.x.
    expect(classes).toContain('org/apache/kafka/tools/BrokerApiVersionsCommand.class');
  });
});
