// The state's PKI needs, served by src/pki.
import { createCA } from '../pki/certificate.js';
import { generateKeyPair } from '../pki/keys.js';
import { certMatchesKey, parseCertificate } from '../pki/parse.js';
import type { StatePki } from './state.js';

export const statePki: StatePki = {
  newCA: (commonName, algorithm, validityHours, now) => createCA({ commonName, algorithm, validityHours }, { now }),
  newKeyPair: (algorithm) => generateKeyPair(algorithm),
  checkCA(pair) {
    try {
      if (!parseCertificate(pair.cert).isCA) return 'the certificate is not a CA certificate';
      if (!certMatchesKey(pair.cert, pair.key)) return 'the private key does not belong to the certificate';
      return undefined;
    } catch (err) {
      return `cannot be read (${(err as Error).message})`;
    }
  },
};
