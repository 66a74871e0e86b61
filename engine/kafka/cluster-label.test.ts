import { describe, expect, it } from 'vitest';
import { ERROR_CODES, MirrorError } from '../core/errors.ts';
import { describeCluster, withClusterLabel } from './cluster-label.ts';

const STANDBY = { alias: 'standby', bootstrapServers: '10.0.0.2:9093,10.0.0.3:9093' };

describe('cluster labels', () => {
  it('names the alias and the bootstrap servers', () => {
    expect(describeCluster(STANDBY)).toBe("cluster 'standby' (10.0.0.2:9093,10.0.0.3:9093)");
  });

  it('prefixes an error with the cluster, keeping its code and its cause (the client error); only once', () => {
    const clientError = Object.assign(new Error('SASL authentication error'), { code: 58 });
    const err = new MirrorError(ERROR_CODES.AUTH_FAILED, 'describeTopics failed: SASL authentication error', { cause: clientError });
    const labelled = withClusterLabel(STANDBY, err);
    expect(labelled.message).toBe("cluster 'standby' (10.0.0.2:9093,10.0.0.3:9093): describeTopics failed: SASL authentication error");
    expect(labelled.code).toBe(ERROR_CODES.AUTH_FAILED);
    expect(labelled.cause).toBe(clientError);
    expect(withClusterLabel(STANDBY, labelled)).toBe(labelled);
  });
});
