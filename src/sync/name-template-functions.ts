/**
 * The functions of `secret_name_template` (`name-template.ts`), as Vault's `sdk/helper/template`
 * has them: `lowercase`/`uppercase` are Go's `strings.ToLower/ToUpper` (per code point, simple
 * case mapping: `ß` stays `ß`), `replace` is `strings.ReplaceAll(str, old, new)` (an empty `old`
 * inserts `new` between code points).
 */

/** The functions allowed in templates, with their arity including a piped value. */
export const TEMPLATE_FUNCTIONS = { lowercase: 1, uppercase: 1, replace: 3 } as const
/** A function allowed in templates. */
export type TemplateFunction = keyof typeof TEMPLATE_FUNCTIONS

/**
 * Calls `fn` with `args` (a piped value last): Go's `strings.ToLower`/`ToUpper` or
 * `strings.ReplaceAll(str, old, new)`.
 */
export function callTemplateFunction (fn: TemplateFunction, args: string[]): string {
  if (fn === 'lowercase') return mapCase(args[0], 'lower')
  if (fn === 'uppercase') return mapCase(args[0], 'upper')
  const [find, replacement, str] = args
  // split/join is literal; String#replaceAll would expand `$&` and friends in the replacement.
  return find === '' ? [...str].map((ch) => replacement + ch).join('') + replacement : str.split(find).join(replacement)
}

/**
 * Go's `strings.ToLower`/`ToUpper`: each code point on its own with Unicode's simple mapping.
 * JavaScript applies full and context mappings (`ß` → `SS`, final sigma), so a code point whose
 * full mapping is not a single code point keeps its simple mapping, known only for `İ` and the
 * Greek letters with ypogegrammeni (U+1F80–U+1FAF, U+1FB3, U+1FC3, U+1FF3).
 */
function mapCase (s: string, to: 'lower' | 'upper'): string {
  let out = ''
  for (const ch of s) {
    const mapped = to === 'lower' ? ch.toLowerCase() : ch.toUpperCase()
    if ([...mapped].length === 1) { out += mapped; continue }
    const cp = ch.codePointAt(0) ?? 0
    if (to === 'lower') out += cp === 0x130 ? 'i' : ch
    else if ((cp >= 0x1f80 && cp <= 0x1faf && (cp & 0xf) < 8) || cp === 0x1fb3 || cp === 0x1fc3 || cp === 0x1ff3) {
      out += String.fromCodePoint(cp >= 0x1fb0 ? cp + 9 : cp + 8)
    } else out += ch
  }
  return out
}
