// Preact + htm, served by vault-sync from the installed npm packages (no CDN, no build step).
import { createContext, h, render } from '../vendor/preact/preact.module.js'
import { useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState } from '../vendor/hooks.js'
import htm from '../vendor/htm/htm.module.js'

/** Tagged template for Preact elements: html`<p>${text}</p>` (text is escaped). */
export const html = htm.bind(h)
export { createContext, render, useCallback, useContext, useEffect, useLayoutEffect, useMemo, useRef, useState }
