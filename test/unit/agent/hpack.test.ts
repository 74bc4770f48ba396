import { describe, expect, it } from '@jest/globals';
import { HeaderBlockDecoder } from '../../../agent/hpack.js';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

describe('HeaderBlockDecoder', () => {
  // RFC 7541 Appendix C.4: three requests on one connection, Huffman-coded, the second and third
  // indexing entries the first added to the dynamic table.
  it('decodes the RFC 7541 C.4 requests in order, following the dynamic table', () => {
    const decoder = new HeaderBlockDecoder();
    expect(decoder.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'))).toEqual({
      ':method': 'GET',
      ':scheme': 'http',
      ':path': '/',
      ':authority': 'www.example.com',
    });
    expect(decoder.decode(hex('8286 84be 5886 a8eb 1064 9cbf'))).toEqual({
      ':method': 'GET',
      ':scheme': 'http',
      ':path': '/',
      ':authority': 'www.example.com',
      'cache-control': 'no-cache',
    });
    expect(decoder.decode(hex('8287 85bf 4088 25a8 49e9 5ba9 7d7f 8925 a849 e95b b8e8 b4bf'))).toEqual({
      ':method': 'GET',
      ':scheme': 'https',
      ':path': '/index.html',
      ':authority': 'www.example.com',
      'custom-key': 'custom-value',
    });
  });

  it('decodes literals without Huffman coding (RFC 7541 C.3.1) and gathers a repeated name', () => {
    const decoder = new HeaderBlockDecoder();
    expect(decoder.decode(hex('8286 8441 0f77 7777 2e65 7861 6d70 6c65 2e63 6f6d'))).toEqual({
      ':method': 'GET',
      ':scheme': 'http',
      ':path': '/',
      ':authority': 'www.example.com',
    });
    // Two literal fields without indexing, both named by static entry 16 (accept-encoding).
    expect(decoder.decode(hex('0f01 0461 6263 64 0f01 0365 6667'))).toEqual({
      'accept-encoding': ['abcd', 'efg'],
    });
  });

  it('follows a table size update that empties the table', () => {
    const decoder = new HeaderBlockDecoder();
    decoder.decode(hex('8286 8441 8cf1 e3c2 e5f2 3a6b a0ab 90f4 ff'));
    // Size update to 0 (0x20), then index 62, which no longer exists.
    expect(() => decoder.decode(hex('20 be'))).toThrow();
  });

  it('throws on a block that ends inside a field', () => {
    expect(() => new HeaderBlockDecoder().decode(hex('41 8c f1e3'))).toThrow();
  });
});
