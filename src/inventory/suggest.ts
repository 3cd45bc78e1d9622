// "Did you mean" for misspelt keys and enum values: the closest candidate by Levenshtein edit distance,
// offered only when it is close enough to be a plausible typo.

function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
    }
    prev = cur;
  }
  return prev[b.length]!;
}

/** The candidate closest to `word` (case-insensitively), or undefined when none is a plausible typo. */
export function closest(word: string, candidates: readonly string[]): string | undefined {
  const limit = Math.max(1, Math.floor(word.length / 3));
  let best: { candidate: string; d: number } | undefined;
  for (const candidate of candidates) {
    // The distance is at least the length difference: skip the quadratic work for a long word (a 1 MB key).
    if (Math.abs(word.length - candidate.length) > limit) continue;
    const d = distance(word.toLowerCase(), candidate.toLowerCase());
    // d < word.length: a word rewritten entirely ("z" → "x") is not a typo of the other.
    if (d <= limit && d < word.length && (!best || d < best.d)) best = { candidate, d };
  }
  return best?.candidate;
}

/** `; did you mean "x"?` or the empty string. */
export function didYouMean(word: string, candidates: readonly string[]): string {
  const c = closest(word, candidates);
  return c === undefined ? '' : `; did you mean ${JSON.stringify(c)}?`;
}
