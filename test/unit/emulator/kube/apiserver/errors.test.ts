import { describe, expect, it } from '@jest/globals';
import {
  badRequest,
  conflict,
  fieldInvalid,
  fieldRequired,
  forbidden,
  invalid,
  methodNotAllowed,
  notFound,
  unauthorized,
  unsupportedMediaType,
} from '../../../../../emulator/kube/apiserver/errors.js';

const deployments = { group: 'apps', resource: 'deployments' };
const pods = { group: '', resource: 'pods' };

/** The exact bytes the API server writes, field order included. */
const wire = (error: { body: unknown }): string => JSON.stringify(error.body);

describe('Status bodies', () => {
  it('409 Conflict names the parent resource of the scale subresource', () => {
    expect(wire(conflict(deployments, 'x'))).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Operation cannot be fulfilled on deployments.apps \\"x\\": the object has been modified; please apply your changes to the latest version and try again","reason":"Conflict","details":{"name":"x","group":"apps","kind":"deployments"},"code":409}',
    );
  });

  it('404 NotFound, core group without details.group', () => {
    expect(wire(notFound(deployments, 'nope'))).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \\"nope\\" not found","reason":"NotFound","details":{"name":"nope","group":"apps","kind":"deployments"},"code":404}',
    );
    expect(wire(notFound(pods, 'p'))).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods \\"p\\" not found","reason":"NotFound","details":{"name":"p","kind":"pods"},"code":404}',
    );
  });

  it('403 Forbidden on a named object and on a list', () => {
    const reason =
      'User "U" cannot patch resource "deployments/scale" in API group "apps" in the namespace "ns"';
    expect(wire(forbidden(deployments, 'x', reason))).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"deployments.apps \\"x\\" is forbidden: User \\"U\\" cannot patch resource \\"deployments/scale\\" in API group \\"apps\\" in the namespace \\"ns\\"","reason":"Forbidden","details":{"name":"x","group":"apps","kind":"deployments"},"code":403}',
    );
    const listReason = 'User "U" cannot list resource "pods" in API group "" in the namespace "ns"';
    expect(wire(forbidden(pods, '', listReason))).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"pods is forbidden: User \\"U\\" cannot list resource \\"pods\\" in API group \\"\\" in the namespace \\"ns\\"","reason":"Forbidden","details":{"kind":"pods"},"code":403}',
    );
  });

  it('401 Unauthorized has no details', () => {
    expect(wire(unauthorized())).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Unauthorized","reason":"Unauthorized","code":401}',
    );
  });

  it('422 Invalid for a negative scale, with its cause', () => {
    const error = invalid({ group: 'autoscaling', kind: 'Scale' }, 'x', [
      fieldInvalid('spec.replicas', -1, 'must be greater than or equal to 0'),
    ]);
    expect(wire(error)).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"Scale.autoscaling \\"x\\" is invalid: spec.replicas: Invalid value: -1: must be greater than or equal to 0","reason":"Invalid","details":{"name":"x","group":"autoscaling","kind":"Scale","causes":[{"reason":"FieldValueInvalid","message":"Invalid value: -1: must be greater than or equal to 0","field":"spec.replicas"}]},"code":422}',
    );
  });

  it('422 Invalid lists several field errors in brackets; string values are quoted', () => {
    const error = invalid({ group: '', kind: 'Pod' }, 'p', [
      fieldRequired('metadata.name'),
      fieldInvalid('metadata.labels', '-x', 'bad'),
    ]);
    expect(error.message).toBe(
      'Pod "p" is invalid: [metadata.name: Required value, metadata.labels: Invalid value: "-x": bad]',
    );
    expect(error.details).toEqual({
      name: 'p',
      kind: 'Pod',
      causes: [
        { reason: 'FieldValueRequired', message: 'Required value', field: 'metadata.name' },
        { reason: 'FieldValueInvalid', message: 'Invalid value: "-x": bad', field: 'metadata.labels' },
      ],
    });
  });

  it('415, 405 and 400', () => {
    expect(wire(unsupportedMediaType(['application/json-patch+json', 'application/merge-patch+json']))).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json","reason":"UnsupportedMediaType","code":415}',
    );
    expect(wire(methodNotAllowed())).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"the server does not allow this method on the requested resource","reason":"MethodNotAllowed","details":{},"code":405}',
    );
    expect(wire(badRequest('bad'))).toBe(
      '{"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":"bad","reason":"BadRequest","code":400}',
    );
  });
});
