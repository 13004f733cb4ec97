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
/** tabId -> handover awaiting a successful send (the password to give the recipient). */
const handovers = new Map();
/** tabId -> handover of the last successful send, picked up by the review panel that asked for it. */
const delivered = new Map();
/** handover id -> handover shown in a handover window. */
const windowsHandovers = new Map();
/** tabId -> windowId of its review window. */
const reviewWindows = new Map();
let nextHandoverId = 1;

// Listeners first, at top level, so that no send can slip through while the core starts.
messenger.compose.onBeforeSend.addListener(onBeforeSend);
messenger.compose.onAfterSend.addListener(onAfterSend);
browser.runtime.onMessage.addListener(onMessage);
browser.tabs.onRemoved.addListener((tabId) => {
  results.delete(tabId);
  approved.delete(tabId);
  handovers.delete(tabId);
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
  if (sendInfo.error) return; // keep the handover: the protected message is still in the window
  const handover = handovers.get(tab.id);
  handovers.delete(tab.id);
  results.delete(tab.id);
  if (!handover) return;
  const record = { ...handover, headerMessageId: sendInfo.headerMessageId || "" };
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

async function openHandoverWindow(record) {
  const id = nextHandoverId++;
  windowsHandovers.set(id, record);
  try {
    await popup(`handover/handover.html?id=${id}`, 480, 340);
  } catch (error) {
    console.error(`medseal: cannot show the password (${error.name})`);
  }
}

async function review(tabId, fresh) {
  if (fresh || !results.has(tabId)) {
    const details = await messenger.compose.getComposeDetails(tabId);
    await check("analyse", tabId, details);
  }
  const { values } = await loadSettings();
  return { ...results.get(tabId), mode: values.mode, language: pickLanguage(values.language) };
}

async function applyAndSend(tabId, standalone) {
  approved.set(tabId, standalone ? "panel" : "popup");
  try {
    await messenger.compose.sendMessage(tabId);
  } catch {
    approved.delete(tabId);
    return { sent: false, ...results.get(tabId) };
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
      windowsHandovers.delete(message.id);
      return loadSettings().then(({ values }) => ({ handover: record, language: pickLanguage(values.language) }));
    }
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
