import { describe, expect, it } from 'vitest';
import { BUILTIN_TEMPLATE_VARIABLES, templateVariables } from './index.js';

describe('templateVariables', () => {
  it('lists each placeholder name once, in order of first use', () => {
    expect(templateVariables('/users/{{ user }}?n={{iteration}}&u={{user}}')).toEqual(['user', 'iteration']);
  });

  it('allows spaces inside the braces and ".", "-" after the first character', () => {
    expect(templateVariables('{{a}}{{  b_1  }}{{c.d}}{{e-f}}{{_g}}')).toEqual(['a', 'b_1', 'c.d', 'e-f', '_g']);
  });

  it('ignores what is not a placeholder', () => {
    expect(templateVariables('plain text')).toEqual([]);
    expect(templateVariables('{{}} {{1a}} {{a b}} {a} {{ -x }} {{a')).toEqual([]);
  });

  it('keeps no state between calls', () => {
    expect(templateVariables('{{x}}')).toEqual(['x']);
    expect(templateVariables('{{x}}')).toEqual(['x']);
  });
});

describe('BUILTIN_TEMPLATE_VARIABLES', () => {
  it('names the variables every session has, and is frozen', () => {
    expect(BUILTIN_TEMPLATE_VARIABLES).toEqual(['session_id', 'iteration']);
    expect(Object.isFrozen(BUILTIN_TEMPLATE_VARIABLES)).toBe(true);
  });
});
