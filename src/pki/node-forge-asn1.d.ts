// Types for the one node-forge submodule kgen imports. Importing `node-forge/lib/asn1.js` instead of
// `node-forge` keeps the boot bundle small (~12 KB gzipped instead of ~80 KB); @types/node-forge only
// describes the package root, so the few functions used are declared here.
declare module 'node-forge/lib/asn1.js' {
  export interface Asn1Node {
    tagClass: number;
    type: number;
    constructed: boolean;
    /** Binary string for primitive values, children for constructed ones. */
    value: string | Asn1Node[];
  }
  interface ByteBuffer {
    getBytes(): string;
  }
  const asn1: {
    create(tagClass: number, type: number, constructed: boolean, value: string | Asn1Node[]): Asn1Node;
    toDer(obj: Asn1Node): ByteBuffer;
    fromDer(bytes: string, options?: { strict?: boolean; decodeBitStrings?: boolean; parseAllBytes?: boolean }): Asn1Node;
    oidToDer(oid: string): ByteBuffer;
    derToOid(bytes: string): string;
    utcTimeToDate(utc: string): Date;
    generalizedTimeToDate(gentime: string): Date;
    dateToUtcTime(date: Date): string;
    dateToGeneralizedTime(date: Date): string;
  };
  export default asn1;
}
