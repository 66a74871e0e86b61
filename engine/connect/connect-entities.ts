/**
 * Kafka Connect's REST entities as this worker answers them (apache/kafka
 * `connect/runtime/.../rest/entities/`: `ConnectorInfo`, `ConnectorStateInfo`, `ErrorMessage`) and the error
 * a refused request throws.
 */
import { ERROR_CODES, MirrorError } from '../core/errors.ts';

/** A refused request: `status` is the HTTP status (400, 404, 409), `message` Connect's `message`. */
export class ConnectRequestError extends MirrorError {
  readonly status: number;

  constructor(status: number, message: string) {
    super(ERROR_CODES.REQUEST_REJECTED, message);
    this.status = status;
  }
}

/** Connect's connector and task states (`AbstractStatus.State`). */
export type ConnectState = 'UNASSIGNED' | 'RUNNING' | 'PAUSED' | 'FAILED' | 'RESTARTING' | 'STOPPED';

/** Connect's `ConnectorInfo` entity. */
export interface ConnectorInfo {
  name: string;
  config: Record<string, string>;
  tasks: { connector: string; task: number }[];
  type: 'source';
}

/** Connect's `ConnectorStateInfo` entity (`trace` only when FAILED). */
export interface ConnectorStateInfo {
  name: string;
  connector: { state: ConnectState; worker_id: string; trace?: string };
  tasks: { id: number; state: ConnectState; worker_id: string; trace?: string }[];
  type: 'source';
}

