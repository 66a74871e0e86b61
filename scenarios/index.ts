/** The scenarios `npm run challenge` knows, in the order `all` runs them. */
import type { Scenario } from './scenario.ts';
import { test1 } from './test1-normal-replication.ts';

export const SCENARIOS: Record<string, Scenario> = { test1 };
