/**
 * Vault's fixed policy names (vault/policy_store.go `immutablePolicies` and
 * `nonAssignablePolicies`): `root`, `response-wrapping` and `control-group` can never be
 * written or deleted through the API; `response-wrapping` and `control-group` (internal to
 * response wrapping and Enterprise control groups) can never be given to a token
 * (token_store.go `handleCreateCommon`: `cannot assign policy "<name>"`).
 */

/** Names `SetPolicy` and `DeletePolicy` refuse: `cannot update "<name>" policy`, `cannot delete "<name>" policy`. */
export const IMMUTABLE_POLICIES: readonly string[] = ['root', 'response-wrapping', 'control-group']

/** Names no token may carry. */
export const NON_ASSIGNABLE_POLICIES: readonly string[] = ['response-wrapping', 'control-group']

/**
 * The first of a token's (sanitised) policy names that Vault refuses to assign, if any
 * (token_store.go: `for _, policy := range te.Policies { if StrListContains(nonAssignablePolicies, policy) …`).
 */
export const nonAssignablePolicy = (policies: readonly string[]): string | undefined =>
  policies.find((p) => NON_ASSIGNABLE_POLICIES.includes(p))

/**
 * The texts Vault stores for its two non-assignable policies at start (vault/policy_store.go
 * `responseWrappingPolicy`, `controlGroupPolicy`, loaded by `setupPolicyStore`): what reading
 * them answers (`vault policy read response-wrapping`). Listing leaves them out, as Vault's
 * `ListPolicies` does; no token can carry them, so they grant nothing here.
 */
export const FIXED_POLICY_TEXTS: Readonly<Record<string, string>> = {
  'response-wrapping': `
path "cubbyhole/response" {
    capabilities = ["create", "read"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
`,
  'control-group': `
path "cubbyhole/control-group" {
    capabilities = ["update", "create", "read"]
}

path "sys/wrapping/unwrap" {
    capabilities = ["update"]
}
`
}
