/**
 * The lexer and parser of label selector strings, as apimachinery's pkg/labels/selector.go
 * (`Lexer`, `Parser`): tokens, the Values context in which `in`/`notin` are identifiers, and the
 * parser's error texts.
 */
import { newRequirement, validateKey } from './label-validation.js';
import type { Operator, Requirement } from './selector.js';

export class SelectorParseError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SelectorParseError';
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

/** The requirements of a selector string (already URL-decoded). Throws SelectorParseError. */
export function parseRequirements(text: string): Requirement[] {
  return new Parser(lex(text)).parse();
}
