// Settings: what the options page stored (storage.local), overridden key by key by what an administrator
// imposed through Thunderbird's enterprise policies (policies.json, 3rdparty.Extensions.<id>, read with
// storage.managed and declared in managed_schema.json).

import { fromBase64, toBase64 } from "./b64.js";

/** Keys the options page may set (unless managed). */
export const USER_KEYS = ["mode", "directoryCsv", "policyToml", "language", "fixRecipients", "practiceKey"];
/** Keys only an administrator may set. */
export const ADMIN_KEYS = ["coreTimeoutMs", "handoverExtensionId"];

export const DEFAULTS = Object.freeze({
  mode: "review",
  directoryCsv: "",
  policyToml: "",
  language: "",
  fixRecipients: false,
  practiceKey: "",
  coreTimeoutMs: 30000,
  handoverExtensionId: "",
});

const KEY_BYTES = 32;

async function managedValues() {
  try {
    return (await browser.storage.managed.get()) || {};
  } catch {
    return {}; // no policy for this extension
  }
}

/** { values, managed: [keys set by policy] } — managed values win. */
export async function loadSettings() {
  const managed = await managedValues();
  const local = await browser.storage.local.get(USER_KEYS);
  const values = { ...DEFAULTS };
  for (const key of USER_KEYS) if (local[key] !== undefined) values[key] = local[key];
  const managedKeys = [];
  for (const key of [...USER_KEYS, ...ADMIN_KEYS]) {
    if (managed[key] !== undefined) {
      values[key] = managed[key];
      managedKeys.push(key);
    }
  }
  if (values.mode !== "automatic") values.mode = "review";
  return { values, managed: managedKeys };
}

/** Store what the options page changed, ignoring managed keys (policy wins anyway). */
export async function saveSettings(changes) {
  const { managed } = await loadSettings();
  const kept = {};
  for (const key of USER_KEYS) {
    if (key in changes && !managed.includes(key)) kept[key] = changes[key];
  }
  if ("practiceKey" in kept) kept.practiceKey = checkPracticeKey(kept.practiceKey);
  await browser.storage.local.set(kept);
  return Object.keys(kept);
}

/** A practice key as the contract wants it: base64 of exactly 32 bytes; throws otherwise. */
export function checkPracticeKey(text) {
  const compact = String(text || "").replace(/\s+/g, "");
  let bytes;
  try {
    bytes = fromBase64(compact);
  } catch {
    bytes = null;
  }
  if (!bytes || bytes.length !== KEY_BYTES) throw new Error("practiceKey");
  return toBase64(bytes);
}

/** First start: make the practice key (32 random bytes) unless an administrator provides one. */
export async function ensurePracticeKey() {
  const { values, managed } = await loadSettings();
  if (managed.includes("practiceKey") || values.practiceKey) return false;
  const key = crypto.getRandomValues(new Uint8Array(KEY_BYTES));
  await browser.storage.local.set({ practiceKey: toBase64(key) });
  return true;
}

/** The settings object of the JSON contract. */
export function coreSettings(values, language, nativeEncryptionRecipients = []) {
  return {
    practiceKey: values.practiceKey,
    directoryCsv: values.directoryCsv || "",
    policyToml: values.policyToml || "",
    language,
    fixRecipients: Boolean(values.fixRecipients),
    nativeEncryptionRecipients,
  };
}
