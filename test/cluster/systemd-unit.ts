// How systemd turns the kubelet unit into a command line, for the test service manager: the unit model
// is kubeadm's packaged drop-in (kubernetes/release: cmd/krel/templates/latest/kubeadm/10-kubeadm.conf),
// Environment= and EnvironmentFile= (a leading "-" means optional) populate variables, and in ExecStart=
// `$VAR` expands to the value split on whitespace while `${VAR}` expands to one word (systemd.service(5),
// "Command lines"). EnvironmentFile syntax follows systemd.exec(5): KEY=VALUE lines, "#" or ";" comments,
// single or double quotes, backslash escapes in double quotes, backslash-newline continuation.
// Malformed lines are errors here (systemd only warns) so a broken kubeadm-flags.env breaks the test.

/** The drop-in kubeadm's deb/rpm packages install (10-kubeadm.conf), Debian flavour (/etc/default). */
export const KUBEADM_DROPIN = `[Service]
Environment="KUBELET_KUBECONFIG_ARGS=--bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf"
Environment="KUBELET_CONFIG_ARGS=--config=/var/lib/kubelet/config.yaml"
EnvironmentFile=-/var/lib/kubelet/kubeadm-flags.env
EnvironmentFile=-/etc/default/kubelet
ExecStart=
ExecStart=/usr/bin/kubelet $KUBELET_KUBECONFIG_ARGS $KUBELET_CONFIG_ARGS $KUBELET_KUBEADM_ARGS $KUBELET_EXTRA_ARGS
`;

/** Splits a line into words the way systemd does: whitespace separates, quotes group, backslash escapes. */
function splitWords(line: string, where: string): string[] {
  const words: string[] = [];
  let i = 0;
  while (i < line.length) {
    while (i < line.length && /\s/.test(line[i]!)) i++;
    if (i >= line.length) break;
    let word = '';
    while (i < line.length && !/\s/.test(line[i]!)) {
      const c = line[i]!;
      if (c === '"' || c === "'") {
        const end = line.indexOf(c, i + 1);
        if (end < 0) throw new Error(`${where}: unterminated ${c} quote in: ${line}`);
        word += c === '"' ? unescapeDouble(line.slice(i + 1, end)) : line.slice(i + 1, end);
        i = end + 1;
      } else if (c === '\\' && i + 1 < line.length) {
        word += line[i + 1];
        i += 2;
      } else {
        word += c;
        i++;
      }
    }
    words.push(word);
  }
  return words;
}

function unescapeDouble(s: string): string {
  return s.replace(/\\(.)/g, (_, ch: string) => (ch === 'n' ? '\n' : ch === 't' ? '\t' : ch));
}

/** Parses an EnvironmentFile; `where` names the file in errors. */
export function parseEnvironmentFile(text: string, where: string): Record<string, string> {
  const env: Record<string, string> = {};
  const lines = text.replace(/\\\n/g, '').split('\n');
  lines.forEach((raw, index) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) return;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (!m) throw new Error(`${where}:${index + 1}: expected KEY=VALUE, found: ${line}`);
    const value = m[2]!;
    if (value.startsWith('"') || value.startsWith("'")) {
      const q = value[0]!;
      let end = 1;
      while (end < value.length && !(value[end] === q && (q === "'" || value[end - 1] !== '\\'))) end++;
      if (end >= value.length) throw new Error(`${where}:${index + 1}: unterminated ${q} quote in: ${line}`);
      if (value.slice(end + 1).trim() !== '') throw new Error(`${where}:${index + 1}: text after the closing quote in: ${line}`);
      const inner = value.slice(1, end);
      env[m[1]!] = q === '"' ? unescapeDouble(inner) : inner;
    } else {
      env[m[1]!] = value.trimEnd();
    }
  });
  return env;
}

export interface UnitCommand {
  /** Word 0 of ExecStart (e.g. /usr/bin/kubelet). */
  program: string;
  args: string[];
}

/**
 * Resolves a unit's ExecStart against its Environment= and EnvironmentFile= lines. `readFile` returns a
 * node file's text or undefined when it does not exist.
 */
export async function resolveExecStart(unit: string, readFile: (path: string) => Promise<string | undefined>): Promise<UnitCommand> {
  const env: Record<string, string> = {};
  let execStart: string | undefined;
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';') || line.startsWith('[')) continue;
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`unit line without "=": ${line}`);
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    if (key === 'Environment') {
      for (const word of splitWords(value, 'Environment=')) {
        const at = word.indexOf('=');
        if (at < 1) throw new Error(`Environment= assignment without "=": ${word}`);
        env[word.slice(0, at)] = word.slice(at + 1);
      }
    } else if (key === 'EnvironmentFile') {
      const optional = value.startsWith('-');
      const path = optional ? value.slice(1) : value;
      const text = await readFile(path);
      if (text === undefined) {
        if (!optional) throw new Error(`EnvironmentFile ${path} does not exist`);
        continue;
      }
      Object.assign(env, parseEnvironmentFile(text, path));
    } else if (key === 'ExecStart') {
      execStart = value === '' ? undefined : value;
    }
  }
  if (!execStart) throw new Error('the unit has no ExecStart=');
  const words: string[] = [];
  for (const word of splitWords(execStart, 'ExecStart=')) {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
    if (whole) {
      words.push(...(env[whole[1]!] ?? '').split(/\s+/).filter(Boolean));
      continue;
    }
    words.push(word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? ''));
  }
  return { program: words[0]!, args: words.slice(1) };
}
