/**
 * Reads HTTP/2 header blocks (RFC 7541 HPACK) as an observer of one direction of a connection:
 * every block that direction carries must pass through `decode`, in order, so that the dynamic
 * table here stays the one the receiving peer holds. The bit-level decoding (integers, Huffman
 * strings) and the tables are hpack.js's; this module walks a block's representations (RFC 7541
 * section 6) and follows the encoder's table size updates, which the receiving peer, not the
 * observer, holds to its SETTINGS_HEADER_TABLE_SIZE.
 */
import hpack from 'hpack.js';

/** Decoded fields of one block, by lower-case name; a repeated name gives an array. */
export type HeaderFields = Record<string, string | string[]>;

/** The table size both peers start with (RFC 9113 section 6.5.2, SETTINGS_HEADER_TABLE_SIZE). */
const INITIAL_TABLE_SIZE = 4096;
/** Size updates up to this are followed; the receiving peer enforces its own, smaller bound. */
const LARGEST_TABLE_SIZE = 2 ** 31;

export class HeaderBlockDecoder {
  private readonly table = hpack.table.create({ maxSize: INITIAL_TABLE_SIZE });

  constructor() {
    this.table.protocolMaxSize = LARGEST_TABLE_SIZE;
  }

  /** Decodes one complete block (HEADERS or PUSH_PROMISE with its CONTINUATIONs); throws if malformed. */
  decode(block: Buffer): HeaderFields {
    const input = hpack.decoder.create();
    const fields: HeaderFields = {};
    if (block.length === 0) return fields;
    input.push(block);
    while (!input.isEmpty()) {
      if (input.decodeBit()) {
        // Indexed field (section 6.1).
        const entry = this.table.lookup(input.decodeInt());
        add(fields, entry.name, entry.value);
        continue;
      }
      const incremental = input.decodeBit() === 1;
      if (!incremental) {
        if (input.decodeBit()) {
          // Dynamic table size update (section 6.3).
          this.table.updateSize(input.decodeInt());
          continue;
        }
        input.decodeBit(); // never-indexed flag: a literal either way for an observer
      }
      // Literal field, with a new or an indexed name (section 6.2).
      const index = input.decodeInt();
      const name = index === 0 ? hpack.utils.stringify(input.decodeStr()) : this.table.lookup(index).name;
      const value = hpack.utils.stringify(input.decodeStr());
      if (incremental) this.table.add(name, value, name.length, value.length);
      add(fields, name, value);
    }
    return fields;
  }
}

function add(fields: HeaderFields, name: string, value: string): void {
  const had = fields[name];
  fields[name] = had === undefined ? value : Array.isArray(had) ? [...had, value] : [had, value];
}
