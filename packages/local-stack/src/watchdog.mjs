// Kills the stack's processes if the process that started them dies without stopping them
// (kill -9 of the launcher, a crashed test worker). Usage: node watchdog.mjs <parentPid> <pidFile>
// It exits by itself once the pid file is removed (a normal stop).
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';

const [parentPid, pidFile, removeDir] = process.argv.slice(2);
const alive = (pid) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

setInterval(() => {
  if (!existsSync(pidFile)) process.exit(0);
  if (alive(Number(parentPid))) return;
  for (const line of readFileSync(pidFile, 'utf8').split('\n')) {
    const pid = Number(line.trim());
    if (pid > 0 && alive(pid)) process.kill(pid, 'SIGKILL');
  }
  if (removeDir === 'remove') rmSync(dirname(pidFile), { recursive: true, force: true });
  else rmSync(pidFile, { force: true });
  process.exit(0);
}, 500);
