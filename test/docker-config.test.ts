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
import { METRICS, parseListeners } from '../engine/testing.ts';

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
    expect(Object.keys(s).sort()).toEqual(['grafana', 'kafka-ui', 'mirror-engine', 'primary-kafka', 'producer', 'prometheus', 'standby-kafka']);
    expect(s['primary-kafka']!.ports).toContain('9092:9092');
    expect(s['standby-kafka']!.ports).toContain('9093:9093');
    expect(s['primary-kafka']!.image).toBe(`apache/kafka:${pinnedKafkaVersion()}`);
    expect(s.producer!.profiles).toEqual(['producer']);
  });

  it('lets the engine scale (`docker compose up --scale mirror-engine=3`): no fixed container name or single host port, every replica mounts the same config', () => {
    const engine = compose.services['mirror-engine']!;
    expect(engine.container_name).toBeUndefined();
    // A single host port would make the 2nd replica fail to start; a host range of at least 3 gives each its own.
    for (const mapping of engine.ports ?? []) {
      const range = /^(\d+)-(\d+):\d+$/.exec(mapping);
      expect(range, `${mapping} is a host port range`).not.toBeNull();
      expect(Number(range![2]) - Number(range![1]) + 1).toBeGreaterThanOrEqual(3);
    }
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

describe('Prometheus and Grafana (docker/)', () => {
  const s = compose.services;
  const listenerFlag = s['mirror-engine']!.command![s['mirror-engine']!.command!.indexOf('--listeners') + 1]!;
  const listener = parseListeners({ key: '--listeners', value: listenerFlag })!;
  const mountedAt = (svc: string, containerPath: string) => s[svc]!.volumes!.find((v) => v.split(':')[1] === containerPath)?.split(':')[0];

  it('publishes the engine\'s listener on every interface of its container, the first replica on host port 8083', () => {
    expect(listener).toMatchObject({ host: '0.0.0.0', port: 8083 });
    expect(s['mirror-engine']!.ports).toContain(`${listener.port}-${listener.port + 2}:${listener.port}`);
  });

  it('has Prometheus scrape every engine replica\'s /metrics at its listener port (DNS discovery of the service)', () => {
    const file = mountedAt('prometheus', '/etc/prometheus/prometheus.yml')!;
    const config = parse(readFileSync(join(ROOT, file), 'utf8')) as { scrape_configs: { job_name: string; metrics_path: string; dns_sd_configs: { names: string[]; type: string; port: number }[] }[] };
    const job = config.scrape_configs.find((j) => j.job_name === 'kafka-mirror')!;
    expect(job.metrics_path).toBe('/metrics');
    expect(job.dns_sd_configs[0]).toMatchObject({ names: ['mirror-engine'], type: 'A', port: listener.port });
  });

  it('provisions Grafana with the Prometheus datasource and a dashboard over metrics the engine exports', () => {
    const provisioning = mountedAt('grafana', '/etc/grafana/provisioning')!;
    const dashboards = mountedAt('grafana', '/var/lib/grafana/dashboards')!;
    const ds = parse(readFileSync(join(ROOT, provisioning, 'datasources', 'prometheus.yml'), 'utf8')) as { datasources: { uid: string; url: string; type: string }[] };
    expect(ds.datasources[0]).toMatchObject({ type: 'prometheus', url: `http://prometheus:${s.prometheus!.ports![0]!.split(':')[1]}` });
    const provider = parse(readFileSync(join(ROOT, provisioning, 'dashboards', 'kafka-mirror.yml'), 'utf8')) as { providers: { options: { path: string } }[] };
    expect(provider.providers[0]!.options.path).toBe('/var/lib/grafana/dashboards');

    const dashboard = JSON.parse(readFileSync(join(ROOT, dashboards, 'kafka-mirror.json'), 'utf8')) as { uid: string; panels: { title: string; datasource: { uid: string }; targets: { expr: string }[] }[] };
    const exported = new Set<string>(Object.values(METRICS).map((m) => m.name));
    const titles = dashboard.panels.map((p) => p.title.toLowerCase()).join(' | ');
    for (const word of ['lag', 'throughput', 'latency', 'truncation', 'topic reset']) expect(titles, word).toContain(word);
    for (const panel of dashboard.panels) {
      expect(panel.datasource.uid, panel.title).toBe(ds.datasources[0]!.uid);
      for (const t of panel.targets) {
        const names = [...t.expr.matchAll(/\b(kafka_[a-z0-9_]+)\b/g)].map((m) => m[1]!);
        expect(names.length, `${panel.title}: ${t.expr}`).toBeGreaterThan(0);
        for (const n of names) expect(exported.has(n), `${panel.title}: ${n} is exported`).toBe(true);
      }
    }
  });
});
