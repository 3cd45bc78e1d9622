// Preloaded into a benchmarked child (`node --import ./bench/maxrss.mjs ...`): reports the process's peak
// resident set size and CPU time on exit, on stderr, as `kgen-bench-usage <maxrss-kb> <cpu-us>`.
process.on('exit', () => {
  const u = process.resourceUsage();
  process.stderr.write(`\nkgen-bench-usage ${u.maxRSS} ${u.userCPUTime + u.systemCPUTime}\n`);
});
