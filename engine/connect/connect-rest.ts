/**
 * The Kafka Connect REST API subset MM2-on-Connect users drive (Strimzi's operator, curl scripts), on the
 * engine's fastify listener. Paths, bodies, status codes and entity shapes follow apache/kafka
 * `connect/runtime/.../rest/resources/ConnectorsResource.java`, `ConnectorPluginsResource.java`,
 * `RootResource.java` and `rest/entities/`; errors are Connect's `ErrorMessage` `{"error_code":…,"message":…}`.
 *
 * Deliberate difference: connector configs in responses have secret values replaced by `[REDACTED]`
 * (engine/config/redaction.ts); a PUT that sends `[REDACTED]` back keeps the stored secret.
 *
 * Bodies are validated by fastify's JSON schema (ajv); config maps accept strings, numbers and booleans
 * (coerced to strings, as Jackson does for Connect).
 */
import type { FastifyError, FastifyInstance, FastifyReply } from 'fastify';
import { ConfigError } from '../core/errors.ts';
import type { Logger } from '../core/logger.ts';
import { CONNECTOR_CLASSES, BYTE_ARRAY_CONVERTER, connectorKind, pairConfig, redactConnectorConfig, validateConnector } from './connector-config.ts';
import type { ConnectHerder } from './connect-herder.ts';
import { ConnectRequestError } from './connect-entities.ts';
import { alterSourceOffsets, checkOffsetEntries, readSourceOffsets, resetSourceOffsets, type SourceOffset } from './connector-offsets.ts';
import type { FlowConfig } from '../config/config.ts';

/** What the routes serve besides the herder. `offsets` defaults to the progress-topic implementation (connector-offsets.ts). */
export interface ConnectRestOptions {
  herder: ConnectHerder;
  logger: Logger;
  /** This package's version (Connect's `version` and plugin versions). */
  version: string;
  /** The state cluster's id (`kafka_cluster_id`), null when unknown. */
  clusterId: () => Promise<string | null>;
  offsets?: {
    read(flow: FlowConfig): Promise<SourceOffset[]>;
    alter(flow: FlowConfig, entries: readonly SourceOffset[], logger: Logger): Promise<void>;
    reset(flow: FlowConfig, logger: Logger): Promise<number>;
  };
}

const CONFIG_MAP = { type: 'object', additionalProperties: { type: 'string' } } as const;
const NAME_PARAMS = { type: 'object', properties: { name: { type: 'string' } }, required: ['name'] } as const;
const BOOL = { type: 'boolean', default: false } as const;

/** Connect's message for an invalid connector config (ConnectorsResource → AbstractHerder.validateConnectorConfig → BadRequestException). */
export function invalidConfigMessage(err: ConfigError): string {
  return `Connector configuration is invalid and contains the following 1 error(s):\n${err.message}\nYou can also find the above list of errors at the endpoint \`/connector-plugins/{connectorType}/config/validate\``;
}

function sendError(reply: FastifyReply, status: number, message: string): FastifyReply {
  return reply.code(status).send({ error_code: status, message });
}

/** `expand` query values (`?expand=status&expand=info`), as an array. */
function expansions(q: unknown): string[] {
  const v = (q as { expand?: string | string[] }).expand;
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/**
 * Connect's `ConfigInfos` for `PUT /connector-plugins/{type}/config/validate`: one entry per submitted key,
 * the offending key (also when it was missing) with its error. Secret values redacted.
 */
export function validationInfos(className: string, config: Record<string, string>): { name: string; error_count: number; groups: string[]; configs: unknown[] } {
  let error: ConfigError | undefined;
  try {
    validateConnector(config.name ?? 'validate', config);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    error = err;
  }
  const shown = redactConnectorConfig(config);
  const keys = [...new Set([...Object.keys(config), ...(error ? [error.key] : [])])];
  const configs = keys.map((key) => ({
    definition: { name: key, type: 'STRING', required: false, default_value: null, importance: 'MEDIUM', documentation: '', group: null, order: -1, width: 'NONE', display_name: key, dependents: [] },
    value: { name: key, value: shown[key] ?? null, recommended_values: [], errors: error?.key === key ? [error.message] : [], visible: true },
  }));
  return { name: className, error_count: error ? 1 : 0, groups: [], configs };
}

/** Registers the Connect routes (in their own fastify scope, with Connect's error bodies). */
export function registerConnectRoutes(app: FastifyInstance, o: ConnectRestOptions): void {
  const h = o.herder;
  const offsets = o.offsets ?? { read: readSourceOffsets, alter: alterSourceOffsets, reset: resetSourceOffsets };
  const log = o.logger.child({ component: 'connect-rest' });
  void app.register(async (scope) => {
    scope.setErrorHandler((err: FastifyError, req, reply) => {
      if (err instanceof ConnectRequestError) return sendError(reply, err.status, err.message);
      if (err instanceof ConfigError) return sendError(reply, 400, invalidConfigMessage(err));
      if (err.validation) return sendError(reply, 400, err.message);
      if (err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500) return sendError(reply, err.statusCode, err.message);
      log.error({ err, method: req.method, url: req.url }, `Connect REST request failed: ${err.message}`);
      return sendError(reply, 500, err.message);
    });

    /** The source flow of a MirrorSourceConnector, for offsets; 400 for the other kinds' writes. */
    const flowOf = (name: string): { flow: FlowConfig | undefined; spec: ReturnType<ConnectHerder['spec']> } => {
      const spec = h.spec(name);
      return { spec, flow: spec.kind === 'source' ? pairConfig({ source: spec })!.config.flows[0] : undefined };
    };
    const requireStopped = (name: string): FlowConfig | undefined => {
      const { spec, flow } = flowOf(name);
      if (spec.targetState !== 'STOPPED') {
        throw new ConnectRequestError(400, `Connectors must be in the STOPPED state before their offsets can be modified. This can be done for the specified connector by issuing a 'PUT' request to the '/connectors/${name}/stop' endpoint`);
      }
      if (!spec.applied) throw new ConnectRequestError(409, `Cannot complete request momentarily: connector ${name} is still being stopped; retry shortly`);
      return flow;
    };

    scope.get('/', async (req, reply) => {
      // Browsers asking for HTML get the dashboard (also at /dashboard); API clients get Connect's ServerInfo.
      if ((req.headers.accept ?? '').includes('text/html')) return reply.redirect('/dashboard');
      return { version: o.version, commit: 'kafka-mirror-engine', kafka_cluster_id: await o.clusterId() };
    });

    scope.get('/connectors', async (req) => {
      const expand = expansions(req.query);
      if (expand.length === 0) return h.names();
      const out: Record<string, Record<string, unknown>> = {};
      for (const name of h.names()) {
        const entry: Record<string, unknown> = {};
        for (const x of expand) {
          if (x === 'status') entry.status = h.status(name);
          else if (x === 'info') entry.info = h.info(name);
        }
        out[name] = entry;
      }
      return out;
    });

    scope.post('/connectors', {
      schema: { body: { type: 'object', required: ['name', 'config'], properties: { name: { type: 'string' }, config: CONFIG_MAP, initial_state: { type: 'string', enum: ['RUNNING', 'PAUSED', 'STOPPED'] } } } },
    }, async (req, reply) => {
      const body = req.body as { name: string; config: Record<string, string>; initial_state?: 'RUNNING' | 'PAUSED' | 'STOPPED' };
      const info = await h.create(body.name, body.config, body.initial_state);
      return reply.code(201).header('location', `/connectors/${encodeURIComponent(info.name)}`).send(info);
    });

    scope.get('/connectors/:name', { schema: { params: NAME_PARAMS } }, async (req) => h.info((req.params as { name: string }).name));
    scope.get('/connectors/:name/config', { schema: { params: NAME_PARAMS } }, async (req) => h.config((req.params as { name: string }).name));
    scope.put('/connectors/:name/config', { schema: { params: NAME_PARAMS, body: CONFIG_MAP } }, async (req, reply) => {
      const name = (req.params as { name: string }).name;
      const { created, info } = await h.putConfig(name, req.body as Record<string, string>);
      if (created) void reply.header('location', `/connectors/${encodeURIComponent(name)}`);
      return reply.code(created ? 201 : 200).send(info);
    });
    scope.get('/connectors/:name/status', { schema: { params: NAME_PARAMS } }, async (req) => h.status((req.params as { name: string }).name));
    scope.get('/connectors/:name/tasks/:task/status', async (req) => {
      const { name, task } = req.params as { name: string; task: string };
      const t = h.status(name).tasks.find((x) => String(x.id) === task);
      if (!t) throw new ConnectRequestError(404, `Task ${name}-${task} not found`);
      return t;
    });
    scope.put('/connectors/:name/pause', { schema: { params: NAME_PARAMS } }, async (req, reply) => {
      await h.setTargetState((req.params as { name: string }).name, 'PAUSED');
      return reply.code(202).send();
    });
    scope.put('/connectors/:name/resume', { schema: { params: NAME_PARAMS } }, async (req, reply) => {
      await h.setTargetState((req.params as { name: string }).name, 'RUNNING');
      return reply.code(202).send();
    });
    scope.put('/connectors/:name/stop', { schema: { params: NAME_PARAMS } }, async (req, reply) => {
      await h.setTargetState((req.params as { name: string }).name, 'STOPPED');
      return reply.code(204).send();
    });
    scope.post('/connectors/:name/restart', {
      schema: { params: NAME_PARAMS, querystring: { type: 'object', properties: { includeTasks: BOOL, onlyFailed: BOOL } } },
    }, async (req, reply) => {
      const name = (req.params as { name: string }).name;
      const { includeTasks, onlyFailed } = req.query as { includeTasks: boolean; onlyFailed: boolean };
      const restarting = h.restart(name, onlyFailed);
      // Connect: the plain form (neither flag) restarts the connector only and answers 204 without a body.
      if (!includeTasks && !onlyFailed) return reply.code(204).send();
      return reply.code(202).send(restarting ?? h.status(name));
    });
    scope.post('/connectors/:name/tasks/:task/restart', async (req, reply) => {
      const { name, task } = req.params as { name: string; task: string };
      if (!/^\d+$/.test(task)) throw new ConnectRequestError(404, `Task ${name}-${task} not found`);
      h.restartTask(name, Number(task));
      return reply.code(204).send();
    });
    scope.delete('/connectors/:name', { schema: { params: NAME_PARAMS } }, async (req, reply) => {
      await h.delete((req.params as { name: string }).name);
      return reply.code(204).send();
    });
    scope.get('/connectors/:name/topics', { schema: { params: NAME_PARAMS } }, async (req) => {
      const name = (req.params as { name: string }).name;
      return { [name]: { topics: h.topics(name) } };
    });

    scope.get('/connectors/:name/offsets', { schema: { params: NAME_PARAMS } }, async (req) => {
      const { flow } = flowOf((req.params as { name: string }).name);
      return { offsets: flow ? await offsets.read(flow) : [] };
    });
    scope.patch('/connectors/:name/offsets', {
      schema: { params: NAME_PARAMS, body: { type: 'object', properties: { offsets: { type: 'array' } } } },
    }, async (req) => {
      const name = (req.params as { name: string }).name;
      const entries = (req.body as { offsets?: unknown[] }).offsets;
      if (!entries || entries.length === 0) throw new ConnectRequestError(400, 'Partitions / offsets need to be provided for an alter offsets request');
      const flow = requireStopped(name);
      if (!flow) throw new ConnectRequestError(400, `Connector ${name} keeps no offsets here: checkpoints and heartbeats are derived, only a MirrorSourceConnector's positions can be altered`);
      await offsets.alter(flow, checkOffsetEntries(flow, entries), log);
      log.info({ event: 'connector_offsets_altered', connector: name, partitions: entries.length }, `Offsets of connector ${name} altered`);
      return { message: 'The offsets for this connector have been altered successfully' };
    });
    scope.delete('/connectors/:name/offsets', { schema: { params: NAME_PARAMS } }, async (req) => {
      const name = (req.params as { name: string }).name;
      const flow = requireStopped(name);
      const removed = flow ? await offsets.reset(flow, log) : 0;
      log.info({ event: 'connector_offsets_reset', connector: name, records: removed }, `Offsets of connector ${name} reset`);
      return { message: 'The offsets for this connector have been reset successfully' };
    });

    scope.get('/connector-plugins', async (req) => {
      const connectorsOnly = (req.query as { connectorsOnly?: string }).connectorsOnly !== 'false';
      const plugins: { class: string; type: string; version: string }[] = Object.values(CONNECTOR_CLASSES).map((c) => ({ class: c, type: 'source', version: o.version }));
      if (!connectorsOnly) plugins.push({ class: BYTE_ARRAY_CONVERTER, type: 'converter', version: o.version });
      return plugins;
    });
    scope.put('/connector-plugins/:type/config/validate', { schema: { body: CONFIG_MAP } }, async (req) => {
      const { type } = req.params as { type: string };
      const kind = connectorKind(type);
      if (!kind) throw new ConnectRequestError(400, `Failed to find any class that implements Connector and which name matches ${type}; available: ${Object.values(CONNECTOR_CLASSES).join(', ')}`);
      const config = { ...(req.body as Record<string, string>) };
      const included = config['connector.class'];
      if (included !== undefined && connectorKind(included) !== kind) throw new ConnectRequestError(400, `Included connector type ${included} does not match request type ${type}`);
      config['connector.class'] ??= CONNECTOR_CLASSES[kind];
      return validationInfos(CONNECTOR_CLASSES[kind], config);
    });
  });
}
