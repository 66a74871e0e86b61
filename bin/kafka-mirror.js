#!/usr/bin/env node
// Runs the TypeScript CLI in this process through tsx's loader (the package ships TypeScript sources):
// no wrapper process, so a SIGTERM sent to this pid (systemd, Kubernetes, npm) reaches the engine itself.
import { register } from 'tsx/esm/api';
import { stopWithNpmParent } from './stop-with-npm-parent.js';

stopWithNpmParent();
register();
const { runCli } = await import('../engine/cli/cli.ts');
runCli();
