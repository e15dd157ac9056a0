import type {
  ActionDeclaration,
  ActionParamSpec,
  ActionParams,
  ActionParamValue,
} from '@pulseboard/protocol';

export interface ParamIssue {
  path: string;
  message: string;
}

/** Why `value` does not fit `spec`, or undefined when it does. */
function misfit(spec: ActionParamSpec, value: ActionParamValue): string | undefined {
  switch (spec.type) {
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'expected a boolean';
    case 'enum':
      return typeof value === 'string' && spec.values?.includes(value)
        ? undefined
        : `expected one of ${(spec.values ?? []).map((v) => JSON.stringify(v)).join(', ')}`;
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return 'expected a number';
      if (spec.integer && !Number.isInteger(value)) return 'expected a whole number';
      if (spec.minimum !== undefined && value < spec.minimum) return `expected at least ${spec.minimum}`;
      if (spec.maximum !== undefined && value > spec.maximum) return `expected at most ${spec.maximum}`;
      return undefined;
    case 'string':
      if (typeof value !== 'string') return 'expected a string';
      if (spec.minLength !== undefined && value.length < spec.minLength)
        return `expected at least ${spec.minLength} characters`;
      if (spec.maxLength !== undefined && value.length > spec.maxLength)
        return `expected at most ${spec.maxLength} characters`;
      return undefined;
  }
}

/**
 * Every way `params` fails the declaration: names it does not declare,
 * required ones missing, values of the wrong type or out of bounds. Empty
 * when they fit.
 */
export function checkParams(declaration: ActionDeclaration, params: ActionParams): ParamIssue[] {
  const specs = declaration.params ?? {};
  const issues: ParamIssue[] = [];
  for (const [name, value] of Object.entries(params)) {
    const spec = Object.hasOwn(specs, name) ? specs[name] : undefined;
    const problem = spec ? misfit(spec, value) : `"${declaration.name}" takes no parameter "${name}"`;
    if (problem) issues.push({ path: `params.${name}`, message: problem });
  }
  for (const [name, spec] of Object.entries(specs)) {
    if (spec.required && !Object.hasOwn(params, name))
      issues.push({ path: `params.${name}`, message: 'required' });
  }
  return issues;
}
