/**
 * OpenSSH host patterns, shared by ssh_config `Host` lines and known_hosts host fields:
 * `*` and `?` wildcards, a leading `!` negates, and one negated match vetoes the whole list
 * (match.c match_hostname). Comparison ignores case, as host names do.
 */
export function matchesPatternList(name: string, patterns: readonly string[]): boolean {
  let matched = false;
  for (const raw of patterns) {
    const negated = raw.startsWith('!');
    const pattern = negated ? raw.slice(1) : raw;
    if (!matchesGlob(name, pattern)) continue;
    if (negated) return false;
    matched = true;
  }
  return matched;
}

export function matchesGlob(name: string, pattern: string, caseSensitive = false): boolean {
  const s = caseSensitive ? name : name.toLowerCase();
  const p = caseSensitive ? pattern : pattern.toLowerCase();
  // Iterative wildcard match with single-star backtracking: linear-ish, no regex escaping issues.
  let si = 0;
  let pi = 0;
  let starP = -1;
  let starS = 0;
  while (si < s.length) {
    if (pi < p.length && (p[pi] === '?' || p[pi] === s[si])) {
      si++;
      pi++;
    } else if (pi < p.length && p[pi] === '*') {
      starP = pi++;
      starS = si;
    } else if (starP >= 0) {
      pi = starP + 1;
      si = ++starS;
    } else {
      return false;
    }
  }
  while (pi < p.length && p[pi] === '*') pi++;
  return pi === p.length;
}
