import type { ControlSetting, Requirement } from './types.js';

type Scalar = string | boolean | number;

/** Whether a value satisfies a control's requirement. `undefined` (no value at all) never does. */
export function satisfies(requirement: Requirement, value: Scalar | undefined): boolean {
  if (value === undefined) return false;
  if ('equals' in requirement) return value === requirement.equals;
  if ('notIn' in requirement) return !requirement.notIn.includes(value);
  return requirement.in.includes(value);
}

/** "must not be AlwaysAllow", "must be true": the requirement in words, for findings and reports. */
export function describeRequirement(requirement: Requirement): string {
  if ('equals' in requirement) return `must be ${String(requirement.equals)}`;
  if ('notIn' in requirement) return `must not be ${requirement.notIn.map(String).join(' or ')}`;
  return `must be one of ${requirement.in.map(String).join(', ')}`;
}

/** Reads a flag's text value as the setting's type, the way the kubelet would. */
export function valueFromFlag(setting: ControlSetting, text: string): Scalar | undefined {
  switch (setting.type) {
    case 'boolean':
      // pflag's strconv.ParseBool: 1, t, T, TRUE, true, True and the false forms.
      if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
      if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
      return undefined;
    case 'integer':
      return /^-?\d+$/.test(text) ? Number(text) : undefined;
    case 'string':
      return text;
  }
}

/** The text a flag is written with for a value. */
export function flagText(value: Scalar): string {
  return String(value);
}
