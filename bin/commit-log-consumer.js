#!/usr/bin/env node
// Runs the TypeScript CLI through tsx's ESM loader, so the package ships sources without a build step.
import { register } from 'tsx/esm/api';

register();
await import('../consumer-cli/cli.ts');
