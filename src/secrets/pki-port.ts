// The state's PKI needs, served by src/pki.
import { createPublicKey } from 'node:crypto';
import { createCA } from '../pki/certificate.js';
import { generateKeyPair, privateKeyObject } from '../pki/keys.js';
import { certMatchesKey, parseCertificate } from '../pki/parse.js';
import type { StatePki } from './state.js';

export const statePki: StatePki = {
  newCA: (commonName, algorithm, validityHours, now) => createCA({ commonName, algorithm, validityHours }, { now }),
  newKeyPair: (algorithm) => generateKeyPair(algorithm),
  inspectCA(pair) {
    let cert;
    try {
      cert = parseCertificate(pair.cert);
    } catch (err) {
      return { file: 'crt', problem: `cannot be read as a PEM certificate (truncated or damaged: ${(err as Error).message})` };
    }
    if (!cert.isCA) return { file: 'crt', problem: 'is not a CA certificate' };
    try {
      if (!certMatchesKey(pair.cert, pair.key)) return { file: 'key', problem: 'does not belong to the certificate beside it (from another state?)' };
    } catch (err) {
      return { file: 'key', problem: `cannot be read as a PEM private key (truncated or damaged: ${(err as Error).message})` };
    }
    return { notBefore: cert.notBefore, notAfter: cert.notAfter };
  },
  checkKeyPair(key, pub) {
    let fromKey: Buffer;
    let fromPub: Buffer;
    try {
      fromKey = createPublicKey(privateKeyObject(key)).export({ type: 'spki', format: 'der' });
    } catch {
      return { file: 'key', problem: 'cannot be read as a PEM private key (truncated or not PEM)' };
    }
    try {
      fromPub = createPublicKey(pub).export({ type: 'spki', format: 'der' });
    } catch {
      return { file: 'pub', problem: 'cannot be read as a PEM public key (truncated or not PEM)' };
    }
    return fromKey.equals(fromPub) ? undefined : { file: 'both', problem: 'are not one key pair (one of them is from another state?)' };
  },
};
