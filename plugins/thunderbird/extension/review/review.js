// The review panel: what the core found (masked), what it will change, and one click to apply and send.
// Opened by the background page when a send is held back (as a popup window, ?tab=<compose tab id>) and by
// the compose window's medseal button (as the button's popup, for the active compose tab).

import { localise, translator } from "../lib/i18n.js";

const params = new URLSearchParams(location.search);
const standalone = params.has("tab");
const $ = (id) => document.getElementById(id);
let t = Object.assign((key) => key, { has: () => false });
let tabId = null;

async function composeTab() {
  if (standalone) return Number(params.get("tab"));
  const [tab] = await browser.tabs.query({ active: true, currentWindow: true });
  return tab ? tab.id : null;
}

function item(text, where) {
  const li = document.createElement("li");
  li.textContent = text;
  if (where) {
    const span = document.createElement("span");
    span.className = "where";
    span.textContent = where;
    li.append(span);
  }
  return li;
}

function recipientsText(changeSet) {
  const parts = [];
  for (const field of ["to", "cc", "bcc"]) {
    const label = t.has(`ui.${field}`) ? t(`ui.${field}`) : field;
    if (Array.isArray(changeSet[field])) parts.push(`${label}: ${changeSet[field].join(", ") || "—"}`);
  }
  return parts.join(" · ");
}

/** The banner: nothing found, protected before sending, or held back. */
function banner(changeSet) {
  if (changeSet.action === "send") return ["ok", t("ui.nothing_found")];
  if (changeSet.action === "block") return ["block", t("ui.blocked")];
  return ["warn", t.has("ui.will_protect") ? t("ui.will_protect") : t("verdict.warn")];
}

function render({ changeSet, language }) {
  $("status").hidden = true;
  $("result").hidden = false;
  const [style, text] = banner(changeSet);
  $("verdict").className = `banner ${style}`;
  $("verdict").textContent = text;
  $("error").hidden = !changeSet.error;
  $("error").textContent = changeSet.error || "";

  const findings = $("findings");
  findings.replaceChildren(
    ...(changeSet.findings || []).map((finding) =>
      item(t(`kind.${finding.kind}`, { masked: finding.masked }), t(`where.${finding.where}`)),
    ),
  );
  $("findings-section").hidden = !findings.children.length;

  const reasons = $("reasons");
  reasons.replaceChildren(...(changeSet.reasons || []).filter((r) => r !== changeSet.error).map((r) => item(r)));
  $("subject-row").hidden = typeof changeSet.subject !== "string";
  $("subject").textContent = changeSet.subject || "";
  const recipients = recipientsText(changeSet);
  $("recipients-row").hidden = !recipients;
  $("recipients").textContent = recipients;
  $("changes-section").hidden = !reasons.children.length && $("subject-row").hidden && $("recipients-row").hidden;

  $("apply").hidden = changeSet.action !== "apply";
  $("apply").disabled = false;
  document.documentElement.lang = language;
}

/** A protected message of this tab that did not go: its password, until the user dismisses it. */
function showUnsent(unsent) {
  $("unsent").hidden = !unsent;
  $("unsent-password").textContent = unsent ? unsent.password : "";
}

function showSent(handover) {
  $("result").hidden = true;
  $("apply").hidden = true;
  $("sent").hidden = false;
  const generated = handover.source === "generated";
  $("password").parentElement.hidden = !generated;
  $("password").textContent = generated ? handover.password : "";
  $("access-code").hidden = generated;
}

async function load(fresh) {
  $("status").hidden = false;
  $("status").textContent = t("ui.checking");
  const answer = await browser.runtime.sendMessage({ type: "review", tabId, fresh });
  t = await translator(answer.language);
  localise(document, t);
  render(answer);
  showUnsent(answer.unsent);
}

async function applyAndSend() {
  $("apply").disabled = true;
  $("status").hidden = false;
  $("status").textContent = t("ui.checking");
  const answer = await browser.runtime.sendMessage({ type: "applyAndSend", tabId, standalone });
  $("status").hidden = true;
  if (!answer.sent) {
    if (answer.changeSet) render(answer);
    else $("apply").disabled = false;
    showUnsent(answer.unsent);
    return;
  }
  if (answer.handover) showSent(answer.handover);
  else window.close();
}

async function main() {
  const status = await browser.runtime.sendMessage({ type: "status" });
  const { language } = await browser.runtime.sendMessage({ type: "settings.get" }).then((s) => ({
    language: s.values.language || browser.i18n.getUILanguage(),
  }));
  t = await translator(language);
  localise(document, t);
  if (status.state === "starting") $("status").textContent = t("ui.loading");
  tabId = await composeTab();
  $("close").addEventListener("click", () => window.close());
  $("apply").addEventListener("click", applyAndSend);
  $("copy").addEventListener("click", async () => {
    await navigator.clipboard.writeText($("password").textContent);
    $("copy").textContent = t("ui.copied");
  });
  $("unsent-copy").addEventListener("click", async () => {
    await navigator.clipboard.writeText($("unsent-password").textContent);
    $("unsent-copy").textContent = t("ui.copied");
  });
  $("unsent-dismiss").addEventListener("click", async () => {
    await browser.runtime.sendMessage({ type: "handover.dismiss", tabId });
    showUnsent(null);
  });
  browser.runtime.onMessage.addListener((message) => {
    if (message.type === "refresh" && message.tabId === tabId) load(false);
  });
  if (tabId === null) return;
  // A panel opened by a held-back send shows that check; the button checks the message as it is now.
  await load(!standalone);
}

main();
