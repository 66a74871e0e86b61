// Started by npm (`npm run …`, `npx …`: npm sets npm_command), a bin can sit behind a /bin/sh that does not
// pass signals on: npm forwards SIGTERM to that shell, the shell dies, and this process would keep running
// as an orphan. So, under npm only, a bin that finds its parent gone (its parent pid changed) sends itself
// the SIGTERM it missed, and stops the way it stops on any SIGTERM (kafka-mirror: flush, log, exit 0).
// Outside npm (node bin/…, systemd, Docker) signals reach the process directly and nothing is watched.

/** How often the parent pid is compared, ms; the timer is unref'd (it never keeps the process alive). */
const PARENT_CHECK_INTERVAL_MS = 500;

/** Under npm, turns the exit of this process's parent into a SIGTERM to itself (once). */
export function stopWithNpmParent() {
  if (!process.env.npm_command) return;
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid === parent) return;
    clearInterval(timer);
    process.kill(process.pid, 'SIGTERM');
  }, PARENT_CHECK_INTERVAL_MS);
  timer.unref();
}
