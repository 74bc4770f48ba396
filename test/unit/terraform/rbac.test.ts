/**
 * One definition of the functions' RBAC: each Role terraform/rbac.tf writes out holds exactly the
 * rules shared/kube/rbac-rules.ts defines for its function (resource_names = each.value where the
 * definition limits a rule to the registered Deployments), and the complete configuration has a
 * Role per function and nothing else.
 */
import { describe, expect, it } from '@jest/globals';
import { FUNCTION_ROLES, roleRules } from '../../../shared/kube/rbac-rules.js';
import { blocks, loadTerraform, resources, strings } from '../../support/terraform.js';

const NAMES = '${each.value}';

describe('terraform Roles', () => {
  it('are one per function, each with the rules its function uses', async () => {
    const hcl = await loadTerraform('terraform');
    const roles = resources(hcl, 'kubernetes_role_v1');
    expect(roles.map((r) => r.name).sort()).toEqual([...FUNCTION_ROLES].sort());
    for (const fn of FUNCTION_ROLES) {
      const role = roles.find((r) => r.name === fn);
      const rules = blocks(role?.body, 'rule').map((rule) => ({
        apiGroups: strings(rule.api_groups),
        resources: strings(rule.resources),
        verbs: strings(rule.verbs),
        ...(rule.resource_names === undefined ? {} : { resourceNames: [rule.resource_names] }),
      }));
      expect(rules).toEqual(roleRules(fn, [NAMES]));
    }
  });

  it('never patch deployments/scale, and prescale touches nothing but the scale subresource', () => {
    for (const fn of FUNCTION_ROLES) {
      for (const rule of roleRules(fn, ['d'])) {
        if (rule.resources.includes('deployments/scale')) expect(rule.verbs).not.toContain('patch');
      }
    }
    expect(roleRules('prescale', ['d']).flatMap((r) => r.resources)).toEqual(['deployments/scale']);
  });
});
