/**
 * Label selectors with the grammar and matching rules of apimachinery's pkg/labels: `k=v`, `k==v`,
 * `k!=v`, `k in (a,b)`, `k notin (a,b)`, `k`, `!k`, `k>1`, `k<1`. Commas inside parentheses do not
 * separate requirements; `!=` and `notin` match objects that lack the key. Also renders the
 * selector string of a Deployment's `spec.selector` (requirements sorted by key), as the scale
 * subresource reports it in `status.selector`.
 */

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

export class SelectorParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorParseError';
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

// ---- lexer -------------------------------------------------------------------------------------

type Token =
  | 'error'
  | 'eos'
  | 'closedPar'
  | 'comma'
  | 'doesNotExist'
  | 'doubleEquals'
  | 'equals'
  | 'greaterThan'
  | 'identifier'
  | 'in'
  | 'lessThan'
  | 'notEquals'
  | 'notIn'
  | 'openPar';

interface Scanned {
  readonly tok: Token;
  readonly literal: string;
}

const symbols: Readonly<Record<string, Token>> = {
  ')': 'closedPar',
  ',': 'comma',
  '!': 'doesNotExist',
  '==': 'doubleEquals',
  '=': 'equals',
  '>': 'greaterThan',
  in: 'in',
  '<': 'lessThan',
  '!=': 'notEquals',
  notin: 'notIn',
  '(': 'openPar',
};

const isWhitespace = (ch: string): boolean => ch === ' ' || ch === '\t' || ch === '\r' || ch === '\n';
const isSpecial = (ch: string): boolean => '=!(),><'.includes(ch);

function lex(input: string): Scanned[] {
  const out: Scanned[] = [];
  let pos = 0;
  for (;;) {
    while (pos < input.length && isWhitespace(input[pos] as string)) pos++;
    if (pos >= input.length) {
      out.push({ tok: 'eos', literal: '' });
      return out;
    }
    const ch = input[pos] as string;
    if (isSpecial(ch)) {
      let buffer = '';
      let last: Scanned | undefined;
      while (pos < input.length && isSpecial(input[pos] as string)) {
        const candidate = buffer + (input[pos] as string);
        const tok = symbols[candidate];
        if (tok !== undefined) {
          last = { tok, literal: candidate };
        } else if (last !== undefined) {
          break;
        }
        buffer = candidate;
        pos++;
      }
      out.push(last ?? { tok: 'error', literal: `error expected: keyword found '${buffer}'` });
    } else {
      const start = pos;
      while (pos < input.length && !isWhitespace(input[pos] as string) && !isSpecial(input[pos] as string))
        pos++;
      const word = input.slice(start, pos);
      const tok = word === 'in' || word === 'notin' ? (symbols[word] as Token) : 'identifier';
      out.push({ tok, literal: word });
    }
  }
}

// ---- parser ------------------------------------------------------------------------------------

const binaryOperators = ['in', 'notin', '=', '==', '!=', 'gt', 'lt'];

class Parser {
  private position = 0;

  constructor(private readonly items: readonly Scanned[]) {}

  /** In the Values context the keywords `in`/`notin` are plain identifiers. */
  private lookahead(values: boolean): Scanned {
    const item = this.items[this.position] as Scanned;
    if (values && (item.tok === 'in' || item.tok === 'notIn'))
      return { tok: 'identifier', literal: item.literal };
    return item;
  }

  private consume(values: boolean): Scanned {
    const item = this.lookahead(values);
    this.position++;
    return item;
  }

  parse(): Requirement[] {
    const requirements: Requirement[] = [];
    for (;;) {
      const next = this.lookahead(true);
      switch (next.tok) {
        case 'identifier':
        case 'doesNotExist': {
          try {
            requirements.push(this.parseRequirement());
          } catch (error) {
            throw new SelectorParseError(`unable to parse requirement: ${(error as Error).message}`);
          }
          const after = this.consume(true);
          if (after.tok === 'eos') return requirements;
          if (after.tok === 'comma') {
            const t2 = this.lookahead(true);
            if (t2.tok !== 'identifier' && t2.tok !== 'doesNotExist') {
              throw new SelectorParseError(`found '${t2.literal}', expected: identifier after ','`);
            }
            break;
          }
          throw new SelectorParseError(`found '${after.literal}', expected: ',' or 'end of string'`);
        }
        case 'eos':
          return requirements;
        default:
          throw new SelectorParseError(
            `found '${next.literal}', expected: !, identifier, or 'end of string'`,
          );
      }
    }
  }

  private parseRequirement(): Requirement {
    let operator: Operator | undefined;
    let item = this.consume(true);
    if (item.tok === 'doesNotExist') {
      operator = '!';
      item = this.consume(true);
    }
    if (item.tok !== 'identifier') throw new Error(`found '${item.literal}', expected: identifier`);
    const key = item.literal;
    validateKey(key);
    const t = this.lookahead(true).tok;
    if (t === 'eos' || t === 'comma') return newRequirement(key, operator ?? 'exists', []);
    if (operator === '!') return newRequirement(key, operator, []);
    const op = this.parseOperator();
    const values = op === 'in' || op === 'notin' ? this.parseValues() : this.parseExactValue();
    return newRequirement(key, op, values);
  }

  private parseOperator(): Operator {
    const item = this.consume(false);
    switch (item.tok) {
      case 'in':
        return 'in';
      case 'notIn':
        return 'notin';
      case 'equals':
        return '=';
      case 'doubleEquals':
        return '==';
      case 'notEquals':
        return '!=';
      case 'greaterThan':
        return 'gt';
      case 'lessThan':
        return 'lt';
      default:
        throw new Error(`found '${item.literal}', expected: ${binaryOperators.join(', ')}`);
    }
  }

  private parseValues(): Set<string> {
    const open = this.consume(true);
    if (open.tok !== 'openPar') throw new Error(`found '${open.literal}' expected: '('`);
    const next = this.lookahead(true);
    if (next.tok === 'identifier' || next.tok === 'comma') {
      const values = this.parseIdentifiersList();
      const close = this.consume(true);
      if (close.tok !== 'closedPar') throw new Error(`found '${close.literal}', expected: ')'`);
      return values;
    }
    if (next.tok === 'closedPar') {
      this.consume(true);
      return new Set(['']);
    }
    throw new Error(`found '${next.literal}', expected: ',', ')' or identifier`);
  }

  private parseIdentifiersList(): Set<string> {
    const values = new Set<string>();
    for (;;) {
      const item = this.consume(true);
      if (item.tok === 'identifier') {
        values.add(item.literal);
        const t2 = this.lookahead(true);
        if (t2.tok === 'comma') continue;
        if (t2.tok === 'closedPar') return values;
        throw new Error(`found '${t2.literal}', expected: ',' or ')'`);
      }
      if (item.tok === 'comma') {
        if (values.size === 0) values.add('');
        const t2 = this.lookahead(true);
        if (t2.tok === 'closedPar') {
          values.add('');
          return values;
        }
        if (t2.tok === 'comma') {
          this.consume(true);
          values.add('');
        }
        continue;
      }
      throw new Error(`found '${item.literal}', expected: ',', or identifier`);
    }
  }

  private parseExactValue(): Set<string> {
    const next = this.lookahead(true);
    if (next.tok === 'eos' || next.tok === 'comma') return new Set(['']);
    const item = this.consume(true);
    if (item.tok === 'identifier') return new Set([item.literal]);
    throw new Error(`found '${item.literal}', expected: identifier`);
  }
}

// ---- validation (apimachinery util/validation) ---------------------------------------------------

const namePart = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const dnsSubdomain = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** The error text of `IsQualifiedName`, or undefined when the key is a valid label key. */
export function qualifiedNameError(key: string): string | undefined {
  const parts = key.split('/');
  let name = key;
  if (parts.length === 2) {
    const [prefix, rest] = parts as [string, string];
    if (prefix.length === 0) return 'prefix part must be non-empty';
    if (prefix.length > 253 || !dnsSubdomain.test(prefix)) {
      return "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character";
    }
    name = rest;
  } else if (parts.length > 2) {
    return "a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character, with an optional DNS subdomain prefix and '/'";
  }
  if (name.length === 0) return 'name part must be non-empty';
  if (name.length > 63) return 'name part must be no more than 63 characters';
  if (!namePart.test(name)) {
    return "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

/** The error text of `IsValidLabelValue`, or undefined when valid. */
export function labelValueError(value: string): string | undefined {
  if (value === '') return undefined;
  if (value.length > 63) return 'must be no more than 63 characters';
  if (!namePart.test(value)) {
    return "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character";
  }
  return undefined;
}

function validateKey(key: string): void {
  const problem = qualifiedNameError(key);
  if (problem !== undefined) throw new Error(`key: Invalid value: "${key}": ${problem}`);
}

function newRequirement(key: string, operator: Operator, valueSet: Iterable<string>): Requirement {
  const values = [...new Set(valueSet)].sort();
  switch (operator) {
    case 'in':
    case 'notin':
      if (values.length === 0) throw new Error("for 'in', 'notin' operators, values set can't be empty");
      break;
    case '=':
    case '==':
    case '!=':
      if (values.length !== 1) throw new Error('exact-match compatibility requires one single value');
      break;
    case 'exists':
    case '!':
      if (values.length !== 0) throw new Error('values set must be empty for exists and does not exist');
      break;
    case 'gt':
    case 'lt':
      if (values.length !== 1) throw new Error("for 'Gt', 'Lt' operators, exactly one value is required");
      if (!/^[+-]?\d+$/.test(values[0] as string)) {
        throw new Error("for 'Gt', 'Lt' operators, the value must be an integer");
      }
      break;
  }
  for (const [i, value] of values.entries()) {
    if (operator === 'gt' || operator === 'lt') break;
    const problem = labelValueError(value);
    if (problem !== undefined) throw new Error(`values[${i}][${key}]: Invalid value: "${value}": ${problem}`);
  }
  return { key, operator, values };
}

/** Parses a selector string (already URL-decoded). Throws SelectorParseError. */
export function parseSelector(text: string): Selector {
  const requirements = new Parser(lex(text)).parse();
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
