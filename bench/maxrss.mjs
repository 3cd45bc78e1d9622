// Preloaded into a benchmarked child (`node --import ./bench/maxrss.mjs ...`): reports the process's peak
// resident set size on exit, on stderr, as `kgen-bench-maxrss-kb <n>`.
process.on('exit', () => {
  process.stderr.write(`\nkgen-bench-maxrss-kb ${process.resourceUsage().maxRSS}\n`);
});
