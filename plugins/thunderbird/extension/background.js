// medseal's persistent background page: starts the core once, guards every send, serves the review panel,
// the handover window and the options page.
//
// Manifest V2 with a persistent background on purpose: the core is Pyodide (≈ 3–5 s and ≈ 170 MB to start);
// a Manifest V3 event page is suspended when idle, and every wake-up would start Pyodide again inside the
// user's send. Here it starts with Thunderbird and stays ready.

import { applyChangeSet } from "./lib/apply.js";
import { CoreClient, CoreFailure } from "./lib/core-client.js";
import { pickLanguage, translator } from "./lib/i18n.js";
import { coreSettings, ensurePracticeKey, loadSettings, saveSettings } from "./lib/settings.js";
import { nativeRecipients, takeSnapshot } from "./lib/snapshot.js";

const core = new CoreClient(browser.runtime.getURL("core-worker.js"));

/** tabId -> { changeSet, stage: "analyse" | "protect" } — the last check, shown by the review panel. */
const results = new Map();
/** Tabs whose next send applies the full protection (the review panel's "apply and send"). */
const approved = new Map();
/**
 * tabId -> handover awaiting a successful send (the password to give the recipient). From the moment the
 * envelope is in the window until Thunderbird confirms the send, it is retrievable (the review panel of that
 * compose window, the administrator's handover extension): a send that fails — or hangs on Thunderbird's
 * error prompt — leaves a protected message whose only password this is. After a failed send it is marked
 * `unsent`, a handover window shows it, and it stays until the message goes or the user dismisses it.
 */
const handovers = new Map();
/** tabId -> handover of the last successful send, picked up by the review panel that asked for it. */
const delivered = new Map();
/** handover id -> handover shown in a handover window (an unsent one stays until dismissed). */
const windowsHandovers = new Map();
/** tabId -> windowId of its review window. */
const reviewWindows = new Map();
let nextHandoverId = 1;

// Listeners first, at top level, so that no send can slip through while the core starts.
messenger.compose.onBeforeSend.addListener(onBeforeSend);
messenger.compose.onAfterSend.addListener(onAfterSend);
browser.runtime.onMessage.addListener(onMessage);
browser.runtime.onMessageExternal.addListener(onMessageExternal);
browser.tabs.onRemoved.addListener((tabId) => {
  results.delete(tabId);
  approved.delete(tabId);
  handovers.delete(tabId); // an unsent one lives on in its handover window until dismissed
});
browser.windows.onRemoved.addListener((windowId) => {
  for (const [tabId, id] of reviewWindows) if (id === windowId) reviewWindows.delete(tabId);
});

start();

async function start() {
  core.onWarm = (ms) => console.info(`medseal: core warmed up in ms: ${Math.round(ms)}`);
  const ready = core.start();
  try {
    await ensurePracticeKey();
  } catch (error) {
    console.error(`medseal: cannot store the practice key (${error.name})`);
  }
  try {
    const times = await ready;
    const all = { ...times, sincePageStart: performance.now() };
    const text = Object.entries(all).map(([key, ms]) => `${key}=${Math.round(ms)}`);
    console.info(`medseal: core ready in ms: ${text.join(" ")}`);
  } catch (error) {
    console.error(`medseal: core failed to start (${error.detail || error.name})`);
  }
}

function blocked(reason) {
  return {
    version: 1,
    verdict: "block",
    action: "block",
    findings: [],
    reasons: [reason],
    error: reason,
    subject: null,
    body: null,
    to: null,
    cc: null,
    bcc: null,
    removeAttachments: [],
    addAttachments: [],
    encryption: "none",
    password: null,
    pseudonyms: [],
  };
}

/** Run the core on a compose tab. Never throws: any failure comes back as a blocking change set. */
async function check(op, tabId, details) {
  const { values } = await loadSettings();
  const language = pickLanguage(values.language);
  const t = await translator(language);
  const started = performance.now();
  let changeSet;
  try {
    const snapshot = await takeSnapshot(tabId, details, language);
    const settings = coreSettings(values, language, nativeRecipients(details, snapshot));
    const { result, ms } = await core.call(op, snapshot, settings, values.coreTimeoutMs);
    if (!result || !["send", "apply", "block"].includes(result.action)) throw new CoreFailure("failed", "change set");
    changeSet = result;
    console.info(
      `medseal: ${op} ${Math.round(performance.now() - started)} ms (core ${Math.round(ms)} ms): ${changeSet.action}`,
    );
  } catch (error) {
    const timeout = error instanceof CoreFailure && error.kind === "timeout";
    const detail = error instanceof CoreFailure ? error.detail || error.kind : error.name || "Error";
    changeSet = blocked(timeout ? t("reason.core_timeout") : t("reason.core_failed", { detail }));
    console.warn(`medseal: ${op} failed closed (${timeout ? "timeout" : detail})`);
  }
  results.set(tabId, { changeSet, stage: op });
  return { changeSet, values, t };
}

function handoverOf(changeSet, details) {
  if (!changeSet.password) return null;
  return {
    password: changeSet.password.value,
    source: changeSet.password.source,
    recipients: changeSet.password.recipients || [],
    subject: changeSet.subject ?? details.subject ?? "",
  };
}

async function onBeforeSend(tab, details) {
  const tabId = tab.id;
  try {
    const { values } = await loadSettings();
    const approval = approved.get(tabId);
    approved.delete(tabId);
    const automatic = values.mode === "automatic" || Boolean(approval);
    const { changeSet, t } = await check(automatic ? "protect" : "analyse", tabId, details);
    if (changeSet.action === "send") return {};
    if (changeSet.action === "apply" && automatic) {
      try {
        await applyChangeSet(tabId, changeSet, details);
      } catch (error) {
        console.warn(`medseal: applying the changes failed (${error.name})`);
        results.set(tabId, { changeSet: blocked(t("reason.core_failed", { detail: error.message })), stage: "protect" });
        await openReview(tabId);
        return { cancel: true };
      }
      const handover = handoverOf(changeSet, details);
      if (handover) handovers.set(tabId, { ...handover, panel: approval === "panel" });
      return {};
    }
    await openReview(tabId);
    return { cancel: true };
  } catch (error) {
    // Fail closed, whatever went wrong.
    console.error(`medseal: send blocked (${error.name})`);
    const t = await translator(pickLanguage(""));
    results.set(tabId, { changeSet: blocked(t("reason.core_failed", { detail: error.name })), stage: "protect" });
    await openReview(tabId).catch(() => {});
    return { cancel: true };
  }
}

async function onAfterSend(tab, sendInfo) {
  if (sendInfo.error) {
    // The message was protected (its originals are inside the envelope) but did not go: keep its password
    // and show it now, so that neither a retry nor a saved draft depends on the background page's memory.
    const handover = handovers.get(tab.id);
    if (handover && !handover.unsent) {
      handover.unsent = true;
      if (handover.source === "generated") handover.windowId = await openHandoverWindow(handover);
    }
    return;
  }
  const handover = handovers.get(tab.id);
  handovers.delete(tab.id);
  results.delete(tab.id);
  if (!handover) return;
  if (handover.windowId !== undefined) windowsHandovers.delete(handover.windowId); // it went: no longer unsent
  const { unsent, windowId, ...kept } = handover;
  const record = { ...kept, headerMessageId: sendInfo.headerMessageId || "" };
  if (handover.source === "generated") await handOverToExtension(record);
  if (handover.panel) delivered.set(tab.id, record);
  else if (handover.source === "generated") await openHandoverWindow(record);
}

/** Give the password to the extension the administrator named (for example a text-message sender). */
async function handOverToExtension(record) {
  const { values, managed } = await loadSettings();
  if (!managed.includes("handoverExtensionId") || !values.handoverExtensionId) return;
  try {
    await browser.runtime.sendMessage(values.handoverExtensionId, {
      type: "medseal.handover",
      password: record.password,
      recipients: record.recipients,
      subject: record.subject,
      headerMessageId: record.headerMessageId,
    });
  } catch (error) {
    console.warn(`medseal: handover extension unreachable (${error.name})`);
  }
}

async function popup(path, width, height) {
  const window = await browser.windows.create({ url: browser.runtime.getURL(path), type: "popup", width, height });
  return window.id;
}

async function openReview(tabId) {
  const windowId = reviewWindows.get(tabId);
  if (windowId !== undefined) {
    try {
      await browser.windows.update(windowId, { focused: true });
      browser.runtime.sendMessage({ type: "refresh", tabId }).catch(() => {});
      return;
    } catch {
      reviewWindows.delete(tabId);
    }
  }
  try {
    reviewWindows.set(tabId, await popup(`review/review.html?tab=${tabId}`, 620, 680));
  } catch (error) {
    console.error(`medseal: cannot open the review panel (${error.name})`);
  }
}

/** Show a handover window; returns its handover id (the record stays while the window may ask for it). */
async function openHandoverWindow(record) {
  const id = nextHandoverId++;
  windowsHandovers.set(id, record);
  try {
    await popup(`handover/handover.html?id=${id}`, 480, 360);
  } catch (error) {
    console.error(`medseal: cannot show the password (${error.name})`);
  }
  return id;
}

/** The user noted an unsent message's password: forget it (the tab's and the window's copies). */
function dismissHandover(message) {
  const record = message.id !== undefined ? windowsHandovers.get(message.id) : handovers.get(message.tabId);
  if (message.id !== undefined) windowsHandovers.delete(message.id);
  for (const [tabId, handover] of handovers) {
    if (handover === record && handover.unsent) handovers.delete(tabId);
  }
  if (record?.windowId !== undefined) windowsHandovers.delete(record.windowId);
  return { dismissed: Boolean(record) };
}

/** The handovers of protected messages not (yet) confirmed as sent, for the administrator's extension. */
function unsentHandovers() {
  return [...handovers].map(([tabId, handover]) => ({ tabId, ...publicHandover(handover) }));
}

function publicHandover({ password, source, recipients, subject }) {
  return { password, source, recipients, subject, sent: false };
}

/**
 * Messages from other extensions: only the one the administrator named (managed handoverExtensionId), which
 * receives every password anyway, may ask for the passwords of protected messages that did not go.
 */
async function onMessageExternal(message, sender) {
  const { values, managed } = await loadSettings();
  const trusted = managed.includes("handoverExtensionId") && values.handoverExtensionId;
  if (!trusted || sender.id !== values.handoverExtensionId || message?.type !== "medseal.unsent") return undefined;
  return { unsent: unsentHandovers() };
}

/** A change set for a page: what will change, never a password's value nor the envelope's bytes. */
function redacted(changeSet) {
  if (!changeSet) return changeSet;
  const password = changeSet.password ? { ...changeSet.password, value: null } : null;
  const addAttachments = (changeSet.addAttachments || []).map((a) => ({ ...a, dataBase64: null }));
  return { ...changeSet, password, addAttachments };
}

async function review(tabId, fresh) {
  if (fresh || !results.has(tabId)) {
    const details = await messenger.compose.getComposeDetails(tabId);
    await check("analyse", tabId, details);
  }
  const { values } = await loadSettings();
  const { changeSet, stage } = results.get(tabId);
  const pending = handovers.get(tabId);
  return {
    changeSet: redacted(changeSet),
    stage,
    unsent: pending ? publicHandover(pending) : null,
    mode: values.mode,
    language: pickLanguage(values.language),
  };
}

async function applyAndSend(tabId, standalone) {
  approved.set(tabId, standalone ? "panel" : "popup");
  try {
    await messenger.compose.sendMessage(tabId);
  } catch {
    approved.delete(tabId);
    const pending = handovers.get(tabId);
    if (pending) pending.unsent = true; // protected, then refused (SMTP): this panel shows its password
    return {
      sent: false,
      changeSet: redacted(results.get(tabId)?.changeSet),
      unsent: pending?.unsent ? publicHandover(pending) : null,
    };
  }
  const handover = delivered.get(tabId) || null;
  delivered.delete(tabId);
  return { sent: true, handover };
}

/**
 * The check an options change would give, on an empty message: reports a malformed directory, policy or key.
 * When the core itself is unavailable the change is not judged (sending stays blocked until it is back).
 */
async function checkSettings(changes) {
  const { values } = await loadSettings();
  const merged = { ...values, ...changes };
  const language = pickLanguage(merged.language);
  const snapshot = {
    version: 1, subject: "", from: "", to: [], cc: [], bcc: [],
    body: { text: "", html: null }, attachments: [], language,
  }; // prettier-ignore
  try {
    const { result } = await core.call("analyse", snapshot, coreSettings(merged, language), values.coreTimeoutMs);
    return { error: result.error || null };
  } catch {
    return { error: null, unchecked: true };
  }
}

/** The practice key in the one shareable form (medseal-key-v1, with its check value), made by the core. */
async function exportKey() {
  const { values } = await loadSettings();
  return core.service("key_export", [values.practiceKey], values.coreTimeoutMs);
}

/** A medseal-key-v1 text read by the core: { key: base64 } or { error: localised reason }. */
async function importKey(text) {
  const { values } = await loadSettings();
  return core.service("key_import", [String(text || ""), pickLanguage(values.language)], values.coreTimeoutMs);
}

/** The core's access-code report for a directory: weak codes by CSV line and initials. */
async function checkCodes(directoryCsv) {
  const { values } = await loadSettings();
  const args = [String(directoryCsv || ""), pickLanguage(values.language)];
  return core.service("access_code_report", args, values.coreTimeoutMs);
}

function onMessage(message, sender) {
  if (sender.id !== browser.runtime.id || !sender.url?.startsWith(browser.runtime.getURL(""))) return undefined;
  switch (message.type) {
    case "status":
      return Promise.resolve(core.status());
    case "review":
      return review(message.tabId, message.fresh);
    case "applyAndSend":
      return applyAndSend(message.tabId, message.standalone);
    case "handover": {
      const record = windowsHandovers.get(message.id) || null;
      if (record && !record.unsent) windowsHandovers.delete(message.id); // an unsent one: until dismissed
      const handover = record && { ...publicHandover(record), sent: !record.unsent };
      return loadSettings().then(({ values }) => ({ handover, language: pickLanguage(values.language) }));
    }
    case "handover.dismiss":
      return Promise.resolve(dismissHandover(message));
    case "key.export":
      return exportKey();
    case "key.import":
      return importKey(message.text);
    case "codes.check":
      return checkCodes(message.directoryCsv);
    case "settings.get":
      return loadSettings();
    case "settings.check":
      return checkSettings(message.changes);
    case "settings.set":
      return saveSettings(message.changes).then((saved) => ({ saved }));
    default:
      return undefined;
  }
}
