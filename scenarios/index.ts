/** The scenarios `npm run challenge` knows, in the order `all` runs them. */
import type { Scenario } from './scenario.ts';
import { test1 } from './test1-normal-replication.ts';
import { test2 } from './test2-log-truncation.ts';
import { test3 } from './test3-topic-reset.ts';
import { test4 } from './test4-consumer-failover.ts';
import { test5 } from './test5-engine-ha.ts';
import { test6 } from './test6-connect-worker.ts';

export const SCENARIOS: Record<string, Scenario> = { test1, test2, test3, test4, test5, test6 };
