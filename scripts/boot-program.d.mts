// Types for scripts/boot-program.mjs, which tests import to bundle kgen-boot as scripts/build.mjs does.
export function buildBootProgram(entryPoint: string, outfile: string, options?: { format?: 'esm' | 'cjs' }): Promise<{ externals: string[] }>;
