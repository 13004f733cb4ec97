// User-facing text. Every string comes from the core's catalogue (medseal.service.catalogue), copied into the
// extension at build time as catalogue.json so that text is available before (or without) Pyodide: the
// fail-closed messages must show even when the core cannot start. No string is written in JavaScript.

export const LANGUAGES = ["fr", "nl", "de", "en"];
export const DEFAULT_LANGUAGE = "fr";

let tables = null;

async function load() {
  if (tables === null) {
    const response = await fetch(browser.runtime.getURL("catalogue.json"));
    tables = await response.json();
  }
  return tables;
}

/** "nl-BE" -> "nl"; anything unknown -> the core's default language. */
export function normaliseLanguage(language) {
  const code = String(language || "").trim().toLowerCase().split(/[-_.]/)[0];
  return LANGUAGES.includes(code) ? code : DEFAULT_LANGUAGE;
}

/** The language to speak: the configured one, else Thunderbird's. */
export function pickLanguage(configured) {
  return normaliseLanguage(configured || browser.i18n.getUILanguage());
}

/** A translator for one language: t(key, {name: value}) fills {name} placeholders like str.format. */
export async function translator(language) {
  const all = await load();
  const table = all[normaliseLanguage(language)] || {};
  const english = all.en || {};
  const t = (key, values = {}) => {
    const template = table[key] || english[key] || key;
    return template.replace(/\{(\w+)\}/g, (whole, name) => (name in values ? String(values[name]) : whole));
  };
  t.has = (key) => Boolean(table[key] || english[key]);
  return t;
}

/** Fill every element carrying data-i18n (text) or data-i18n-title / data-i18n-placeholder (attributes). */
export function localise(root, t) {
  for (const node of root.querySelectorAll("[data-i18n]")) node.textContent = t(node.dataset.i18n);
  for (const node of root.querySelectorAll("[data-i18n-title]")) node.title = t(node.dataset.i18nTitle);
  for (const node of root.querySelectorAll("[data-i18n-placeholder]")) {
    node.placeholder = t(node.dataset.i18nPlaceholder);
  }
}
