import { execFileSync } from 'node:child_process';

/** Fleet tests run the real `fix` binary: build it once, fresh, before any of them. */
export default function setup(): void {
  execFileSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: new URL('../..', import.meta.url).pathname, stdio: 'inherit' });
}
