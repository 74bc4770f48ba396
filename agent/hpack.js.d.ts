/**
 * Types for the parts of hpack.js (the HPACK implementation of node-spdy) the agent uses: the
 * bit-level decoder of a header block and the static + dynamic header table (RFC 7541).
 */
declare module 'hpack.js' {
  interface TableEntry {
    readonly name: string;
    readonly value: string;
    readonly nameSize: number;
  }
  interface Table {
    protocolMaxSize: number;
    lookup(index: number): TableEntry;
    add(name: string, value: string, nameSize: number, valueSize: number): void;
    updateSize(size: number): void;
  }
  interface Decoder {
    push(chunk: Buffer): void;
    isEmpty(): boolean;
    decodeBit(): number;
    decodeInt(): number;
    decodeStr(): ArrayLike<number>;
  }
  const hpack: {
    table: { create(options: { maxSize: number }): Table };
    decoder: { create(): Decoder };
    utils: { stringify(octets: ArrayLike<number>): string };
  };
  export default hpack;
}
