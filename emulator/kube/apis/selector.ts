/**
 * Label selectors with the grammar and matching rules of apimachinery's pkg/labels: `k=v`, `k==v`,
 * `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, `k>1`, `k<1`. Commas inside parentheses do not
 * separate requirements; `!=` and `notin` match objects that lack the key. Also renders the
 * selector string of a Deployment's `spec.selector` (requirements sorted by key), as the scale
 * subresource reports it in `status.selector`.
 */

import { newRequirement, validateKey } from './label-validation.js';
import { parseRequirements } from './selector-parser.js';

export type Operator = 'in' | 'notin' | '=' | '==' | '!=' | 'exists' | '!' | 'gt' | 'lt';

export interface Requirement {
  readonly key: string;
  readonly operator: Operator;
  /** Sorted, without duplicates (a string set in the original). */
  readonly values: readonly string[];
}

export type Labels = Readonly<Record<string, string>> | undefined;

/** A parsed selector: every requirement must match. The empty selector matches everything. */
export class Selector {
  constructor(readonly requirements: readonly Requirement[]) {}

  get empty(): boolean {
    return this.requirements.length === 0;
  }

  matches(labels: Labels): boolean {
    for (const r of this.requirements) if (!requirementMatches(r, labels)) return false;
    return true;
  }

  /** The canonical string (requirements sorted by key, values sorted). */
  toString(): string {
    return this.requirements.map(requirementString).join(',');
  }

  /** The equality requirements `k=v`/`k==v`, for index lookups by the caller. */
  equalities(): [string, string][] {
    const out: [string, string][] = [];
    for (const r of this.requirements) {
      if ((r.operator === '=' || r.operator === '==' || r.operator === 'in') && r.values.length === 1) {
        out.push([r.key, r.values[0] as string]);
      }
    }
    return out;
  }
}

function requirementMatches(r: Requirement, labels: Labels): boolean {
  const has = labels !== undefined && Object.prototype.hasOwnProperty.call(labels, r.key);
  const value = has ? labels[r.key] : undefined;
  switch (r.operator) {
    case 'in':
    case '=':
    case '==':
      return has && r.values.includes(value as string);
    case 'notin':
    case '!=':
      return !has || !r.values.includes(value as string);
    case 'exists':
      return has;
    case '!':
      return !has;
    case 'gt':
    case 'lt': {
      if (!has || !/^[+-]?\d+$/.test(value as string)) return false;
      const labelValue = BigInt(value as string);
      const bound = BigInt(r.values[0] as string);
      return r.operator === 'gt' ? labelValue > bound : labelValue < bound;
    }
  }
}

function requirementString(r: Requirement): string {
  switch (r.operator) {
    case 'exists':
      return r.key;
    case '!':
      return `!${r.key}`;
    case 'in':
    case 'notin':
      return `${r.key} ${r.operator} (${r.values.join(',')})`;
    case 'gt':
      return `${r.key}>${r.values[0] ?? ''}`;
    case 'lt':
      return `${r.key}<${r.values[0] ?? ''}`;
    default:
      return `${r.key}${r.operator}${r.values[0] ?? ''}`;
  }
}

export { SelectorParseError } from './selector-parser.js';

/** Parses a selector string (already URL-decoded). Throws SelectorParseError. */
export function parseSelector(text: string): Selector {
  const requirements = parseRequirements(text);
  return new Selector(sortRequirements(requirements));
}

function sortRequirements(requirements: Requirement[]): Requirement[] {
  return requirements.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

/** `metav1.LabelSelector` as found in a Deployment's `spec.selector`. */
export interface LabelSelector {
  readonly matchLabels?: Readonly<Record<string, string>>;
  readonly matchExpressions?: readonly {
    readonly key: string;
    readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
    readonly values?: readonly string[];
  }[];
}

const expressionOperators: Readonly<Record<string, Operator>> = {
  In: 'in',
  NotIn: 'notin',
  Exists: 'exists',
  DoesNotExist: '!',
};

/** `metav1.LabelSelectorAsSelector`. Throws on an invalid selector. */
export function fromLabelSelector(selector: LabelSelector): Selector {
  const requirements: Requirement[] = [];
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) {
    validateKey(key);
    requirements.push(newRequirement(key, '=', [value]));
  }
  for (const expression of selector.matchExpressions ?? []) {
    const operator = expressionOperators[expression.operator];
    if (operator === undefined)
      throw new Error(`"${expression.operator}" is not a valid label selector operator`);
    validateKey(expression.key);
    requirements.push(newRequirement(expression.key, operator, expression.values ?? []));
  }
  return new Selector(sortRequirements(requirements));
}
