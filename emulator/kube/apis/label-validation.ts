/**
 * Label key and value validation (apimachinery pkg/util/validation `IsQualifiedName`,
 * `IsValidLabelValue`) and the checked construction of a selector requirement
 * (pkg/labels/selector.go `NewRequirement`).
 */
import type { Operator, Requirement } from './selector.js';

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

export function validateKey(key: string): void {
  const problem = qualifiedNameError(key);
  if (problem !== undefined) throw new Error(`key: Invalid value: "${key}": ${problem}`);
}

export function newRequirement(key: string, operator: Operator, valueSet: Iterable<string>): Requirement {
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
