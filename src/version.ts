// kgen's version, from package.json, shared by the CLI and the boot program (a node reports which kgen
// rendered it).
import pkg from '../package.json' with { type: 'json' };

export const VERSION: string = pkg.version;
