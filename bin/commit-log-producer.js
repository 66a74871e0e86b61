#!/usr/bin/env node
// Runs the TypeScript CLI in this process through tsx's ESM loader (the package ships sources without a
// build step): no wrapper process, so a SIGTERM sent to this pid reaches the CLI itself.
import { register } from 'tsx/esm/api';
import { stopWithNpmParent } from './stop-with-npm-parent.js';

stopWithNpmParent();
register();
await import('../producer-cli/cli.ts');
