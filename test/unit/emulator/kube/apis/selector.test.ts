import { describe, expect, it } from '@jest/globals';
import {
  fromLabelSelector,
  parseSelector,
  SelectorParseError,
} from '../../../../../emulator/kube/apis/selector.js';

const pod = { app: 'image-classifier', version: 'resnet101', tier: 'gpu', shard: '3' };

describe('label selector matching', () => {
  it.each([
    // [selector, labels, matches]
    ['', pod, true],
    ['app=image-classifier', pod, true],
    ['app==image-classifier', pod, true],
    ['app=other', pod, false],
    ['app!=other', pod, true],
    ['app!=image-classifier', pod, false],
    ['missing!=x', pod, true], // != matches objects without the key
    ['app in (image-classifier,other)', pod, true],
    ['app in (a,b)', pod, false],
    ['app notin (a,b)', pod, true],
    ['app notin (image-classifier)', pod, false],
    ['missing notin (a)', pod, true], // notin matches objects without the key
    ['missing in (a)', pod, false],
    ['app', pod, true],
    ['missing', pod, false],
    ['!missing', pod, true],
    ['!app', pod, false],
    ['app=image-classifier,version=resnet101', pod, true],
    ['app=image-classifier,version=resnet50', pod, false],
    ['version in (resnet50,resnet101),tier', pod, true], // the comma inside () does not split
    ['version in (resnet50, resnet101), !canary', pod, true],
    ['  app  =  image-classifier  ', pod, true],
    ['shard>2', pod, true],
    ['shard<3', pod, false],
    ['app>2', pod, false], // not an integer label
    ['app=image-classifier', undefined, false],
    ['!app', undefined, true],
    ['x in ()', { x: '' }, true], // () is the empty value
    ['x=', { x: '' }, true],
    ['in=notin', { in: 'notin' }, true], // keywords are plain words in key and value position
  ])('%j on %j → %s', (selector, labels, expected) => {
    expect(parseSelector(selector).matches(labels)).toBe(expected);
  });

  it('reads a form-decoded query the same way (+ becomes a space before parsing)', () => {
    const decoded = new URLSearchParams('labelSelector=version+in+(resnet50,resnet101)').get('labelSelector');
    expect(decoded).toBe('version in (resnet50,resnet101)');
    expect(parseSelector(decoded ?? '').matches(pod)).toBe(true);
  });
});

describe('label selector grammar errors', () => {
  it.each([
    ['app=a=b', "found '=', expected: ',' or 'end of string'"],
    ['app in a', "unable to parse requirement: found 'a' expected: '('"],
    ['app in (a', "unable to parse requirement: found '', expected: ',' or ')'"],
    ['app notin', "unable to parse requirement: found '' expected: '('"],
    ['app,', "found '', expected: identifier after ','"],
    [',app', "found ',', expected: !, identifier, or 'end of string'"],
    ['app ~ x', "unable to parse requirement: found '~', expected: in, notin, =, ==, !=, gt, lt"],
    ['-bad-=x', 'unable to parse requirement: key: Invalid value: "-bad-"'],
    ['app=-bad-', 'unable to parse requirement: values[0][app]: Invalid value: "-bad-"'],
    ['shard>x', "for 'Gt', 'Lt' operators, the value must be an integer"],
    ['!app=x', "found '=', expected: ',' or 'end of string'"],
  ])('%j → %s', (selector, message) => {
    expect(() => parseSelector(selector)).toThrow(SelectorParseError);
    expect(() => parseSelector(selector)).toThrow(message);
  });
});

describe('selector strings', () => {
  it('renders requirements sorted by key with sorted values, as the scale status shows them', () => {
    expect(parseSelector('version in (b,a),app=x,!canary').toString()).toBe('app=x,!canary,version in (a,b)');
  });

  it('turns a Deployment spec.selector into the canonical string', () => {
    const selector = fromLabelSelector({
      matchLabels: { version: 'resnet101', app: 'image-classifier' },
      matchExpressions: [{ key: 'tier', operator: 'NotIn', values: ['cpu', 'arm'] }],
    });
    expect(selector.toString()).toBe('app=image-classifier,tier notin (arm,cpu),version=resnet101');
    expect(selector.matches(pod)).toBe(true);
    expect(selector.matches({ ...pod, tier: 'cpu' })).toBe(false);
  });
});
