/** Content negotiation: which representation an Accept header asks for, and the 406. */
import { describe, expect, it } from '@jest/globals';
import { acceptable, representation } from '../../../../../emulator/kube/apiserver/negotiation.js';

describe('representation', () => {
  it.each([
    [undefined, { as: 'json' }],
    ['', { as: 'json' }],
    ['application/json', { as: 'json' }],
    ['*/*', { as: 'json' }],
    ['application/json;as=Table;v=v1;g=meta.k8s.io,application/json', { as: 'Table', version: 'v1' }],
    ['application/json;as=Table;v=v1beta1;g=meta.k8s.io', { as: 'Table', version: 'v1beta1' }],
    [
      'application/json;as=PartialObjectMetadataList;v=v1;g=meta.k8s.io',
      { as: 'PartialObjectMetadata', version: 'v1' },
    ],
    ['application/json;as=Table;v=v2;g=meta.k8s.io, application/json', { as: 'json' }],
    ['application/vnd.kubernetes.protobuf, application/json', { as: 'json' }],
  ])('%j -> %j', (accept, expected) => {
    expect(representation(accept)).toEqual(expected);
  });

  it('answers 406 when nothing it can produce is acceptable', () => {
    expect(representation('application/vnd.kubernetes.protobuf')).toBeUndefined();
    expect(() => acceptable('text/html')).toThrow(
      expect.objectContaining({ code: 406, reason: 'NotAcceptable' }),
    );
  });
});
