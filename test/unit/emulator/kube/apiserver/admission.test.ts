/** The admission chain: every plugin in order, the first refusal stops the write. */
import { describe, expect, it } from '@jest/globals';
import { Admission, type AdmissionAttributes } from '../../../../../emulator/kube/apiserver/admission.js';
import { forbidden } from '../../../../../emulator/kube/apiserver/errors.js';

const attributes: AdmissionAttributes = {
  operation: 'UPDATE',
  user: 'alice',
  group: 'apps',
  version: 'v1',
  resource: 'deployments',
  subresource: 'scale',
  namespace: 'jobs',
  name: 'web',
  object: { spec: { replicas: 3 } },
  oldObject: { spec: { replicas: 1 } },
};

describe('Admission', () => {
  it('asks each plugin in order and stops at the first refusal', () => {
    const asked: string[] = [];
    const admission = new Admission([{ name: 'first', validate: () => void asked.push('first') }]);
    admission.add({
      name: 'deny',
      validate: (a) => {
        asked.push('deny');
        throw forbidden({ group: a.group, resource: a.resource }, a.name, 'not today');
      },
    });
    admission.add({ name: 'never', validate: () => void asked.push('never') });
    expect(() => admission.validate(attributes)).toThrow('deployments.apps "web" is forbidden: not today');
    expect(asked).toEqual(['first', 'deny']);
  });

  it('lets everything through without plugins', () => {
    expect(() => new Admission().validate(attributes)).not.toThrow();
  });
});
