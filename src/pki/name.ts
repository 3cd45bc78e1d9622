// X.501 distinguished names as kubeadm uses them: an optional Organization list and a CommonName.
// Encoding mirrors Go's pkix.Name.ToRDNSequence (crypto/x509/pkix/pkix.go): O comes before CN, and all
// Organization values share one multi-valued RDN; Kubernetes reads O as groups and CN as the user name.
import { children, directoryString, oid, oidOf, seq, setOf, stringOf, type Node } from './der.js';
import { OID } from './oids.js';

export interface DistinguishedName {
  commonName: string;
  organizations: string[];
}

const attribute = (type: string, value: string): Node => seq(oid(type), directoryString(value));

export function encodeName(name: DistinguishedName): Node {
  const rdns: Node[] = [];
  if (name.organizations.length > 0) rdns.push(setOf(...name.organizations.map((o) => attribute(OID.organization, o))));
  if (name.commonName) rdns.push(setOf(attribute(OID.commonName, name.commonName)));
  return seq(...rdns);
}

/** Reads CN and O from a Name; other attributes are ignored (kubeadm and Kubernetes ignore them too). */
export function decodeName(node: Node): DistinguishedName {
  const out: DistinguishedName = { commonName: '', organizations: [] };
  for (const rdn of children(node)) {
    for (const atv of children(rdn)) {
      const [type, value] = children(atv);
      const t = oidOf(type!);
      if (t === OID.commonName) out.commonName = stringOf(value!);
      else if (t === OID.organization) out.organizations.push(stringOf(value!));
    }
  }
  return out;
}

/** OpenSSL-style one-line form, e.g. "O=kubeadm:cluster-admins, CN=kubernetes-admin", for messages. */
export function formatName(name: DistinguishedName): string {
  return [...name.organizations.map((o) => `O=${o}`), ...(name.commonName ? [`CN=${name.commonName}`] : [])].join(', ');
}
