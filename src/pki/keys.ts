// Key pairs from node:crypto: RSA-2048/3072/4096 and ECDSA P-256 (kubeadm's EncryptionAlgorithmType set,
// upstream cmd/kubeadm/app/util/pkiutil/pki_helpers.go GeneratePrivateKey). Generation is asynchronous so
// several keys are made at once on libuv's thread pool. Public keys are PEM SPKI; private keys are PEM in the
// forms kubeadm writes through client-go's keyutil.MarshalPrivateKeyToPEM
// (staging/src/k8s.io/client-go/util/keyutil/key.go; cmd/kubeadm/app/util/pkiutil/pki_helpers.go WriteKey):
// RSA as PKCS#1 "RSA PRIVATE KEY", ECDSA as SEC1 "EC PRIVATE KEY". Readers take those and PKCS#8 "PRIVATE KEY"
// (keyutil.ParsePrivateKeyPEM does too), so keys an older kgen wrote keep working.
// Signing also lives here: node-forge cannot hold ECDSA keys and its RSA is slow, so every signature over a
// TBSCertificate or CertificationRequestInfo is made by node:crypto.
import { createPrivateKey, createPublicKey, generateKeyPair as generateKeyPairCb, sign, type KeyObject } from 'node:crypto';
import type { KeyAlgorithm } from './types.js';
import { OID } from './oids.js';

/** PEM key pair; the shape of SecretsBundle.sa. */
export interface KeyPairPem {
  /** PKCS#1 "RSA PRIVATE KEY" or SEC1 "EC PRIVATE KEY" as generated here; PKCS#8 "PRIVATE KEY" is read too. */
  key: string;
  /** SPKI "PUBLIC KEY". */
  pub: string;
}

const publicKeyEncoding = { type: 'spki', format: 'pem' } as const;

const RSA_BITS: Record<Exclude<KeyAlgorithm, 'ECDSA-P256'>, number> = { 'RSA-2048': 2048, 'RSA-3072': 3072, 'RSA-4096': 4096 };

export function generateKeyPair(algorithm: KeyAlgorithm): Promise<KeyPairPem> {
  return new Promise((resolve, reject) => {
    const done = (err: Error | null, pub: string, key: string): void => (err ? reject(err) : resolve({ key, pub }));
    if (algorithm === 'ECDSA-P256') {
      generateKeyPairCb('ec', { namedCurve: 'P-256', publicKeyEncoding, privateKeyEncoding: { type: 'sec1', format: 'pem' } }, done);
    } else {
      const privateKeyEncoding = { type: 'pkcs1', format: 'pem' } as const;
      generateKeyPairCb('rsa', { modulusLength: RSA_BITS[algorithm], publicExponent: 0x10001, publicKeyEncoding, privateKeyEncoding }, done);
    }
  });
}

/** Reads a private key (PKCS#8, PKCS#1 or SEC1 PEM); the error never echoes the key. */
// A phase signs many certificates with the same few CA keys and checks the same key files again and again:
// parsing a PEM key costs far more than signing with ECDSA, so parsed keys are kept (a handful per process).
const parsedKeys = new Map<string, KeyObject>();
const PARSED_KEYS_KEPT = 32;

export function privateKeyObject(pem: string): KeyObject {
  let key = parsedKeys.get(pem);
  if (key) return key;
  try {
    key = createPrivateKey(pem);
  } catch (cause) {
    throw new Error('could not read the private key: expected a PEM "PRIVATE KEY", "RSA PRIVATE KEY" or "EC PRIVATE KEY" block', { cause });
  }
  if (parsedKeys.size >= PARSED_KEYS_KEPT) parsedKeys.delete(parsedKeys.keys().next().value!);
  parsedKeys.set(pem, key);
  return key;
}

// An SPKI "PUBLIC KEY" PEM is the DER SubjectPublicKeyInfo in base64 (RFC 7468 section 13), so its DER is
// read without parsing the key; a DER SEQUENCE is checked for, node:crypto parses anything else.
const SPKI_PEM = /^-----BEGIN PUBLIC KEY-----\r?\n([A-Za-z0-9+/=\r\n]+)-----END PUBLIC KEY-----\s*$/;
const privateKeySpki = new WeakMap<KeyObject, Buffer>();

/** DER SubjectPublicKeyInfo of a public or private key (PEM). */
export function spkiOf(pem: string): Buffer {
  const body = SPKI_PEM.exec(pem)?.[1];
  if (body !== undefined) {
    const der = Buffer.from(body, 'base64');
    if (der[0] === 0x30) return der;
  }
  if (!pem.includes('PRIVATE KEY')) return createPublicKey(pem).export({ type: 'spki', format: 'der' });
  // A CA key's SPKI is checked against its certificate for every certificate it signs.
  const key = privateKeyObject(pem);
  let der = privateKeySpki.get(key);
  if (!der) privateKeySpki.set(key, (der = createPublicKey(key).export({ type: 'spki', format: 'der' })));
  return der;
}

/** The signatureAlgorithm OID a key signs with (SHA-256 always, as Go's x509 picks for these keys). */
export function signatureAlgorithmOf(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return OID.sha256WithRSAEncryption;
  if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1') return OID.ecdsaWithSHA256;
  throw new Error(
    `cannot sign with a ${key.asymmetricKeyType} key${key.asymmetricKeyDetails?.namedCurve ? ` on ${key.asymmetricKeyDetails.namedCurve}` : ''}: ` +
      'expected RSA or ECDSA P-256; regenerate the issuer key with a supported algorithm',
  );
}

/** SHA-256 signature; RSA PKCS#1 v1.5, ECDSA as a DER Ecdsa-Sig-Value. */
export function signDer(data: Buffer, key: KeyObject): Buffer {
  return sign('sha256', data, key);
}

/**
 * Key pairs generated ahead of use: `warm(n)` makes sure n are ready or being generated, starting the missing
 * ones at once (node:crypto runs them on libuv's thread pool, so they use every core); `take()` hands out a
 * warmed one or generates a fresh one. A phase that issues several certificates in a row warms the pool first
 * and signs as keys arrive; a phase warmed ahead by an earlier one starts nothing new.
 */
export class KeyPool {
  private readonly ready: Promise<KeyPairPem>[] = [];

  constructor(
    readonly algorithm: KeyAlgorithm,
    private readonly generate: (algorithm: KeyAlgorithm) => Promise<KeyPairPem> = generateKeyPair,
  ) {}

  warm(count: number): void {
    for (let i = this.ready.length; i < count; i++) {
      const p = this.generate(this.algorithm);
      // A warmed key nobody takes must not become an unhandled rejection; take() still sees the error.
      p.catch(() => undefined);
      this.ready.push(p);
    }
  }

  take(): Promise<KeyPairPem> {
    return this.ready.shift() ?? this.generate(this.algorithm);
  }
}
