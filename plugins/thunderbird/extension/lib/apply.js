// Apply a change set to a compose tab: the encrypted envelope added, the originals removed, then subject,
// body, recipients and Thunderbird's own encryption.

import { fromBase64 } from "./b64.js";

const ESCAPES = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Plain text as the body of an HTML message (escaped, line breaks kept). */
export function textToHtml(text) {
  const escaped = String(text).replace(/[&<>"']/g, (c) => ESCAPES[c]);
  return `<body><div style="white-space: pre-wrap">${escaped}</div></body>`;
}

/** The technology to turn on for a change set whose encryption is "native", or null if none can be. */
export async function nativeTechnology(details) {
  const current = details.selectedEncryptionTechnology;
  if (current && current.name) return current.name;
  if (!details.identityId) return null;
  const identity = await messenger.identities.get(details.identityId);
  const capabilities = (identity && identity.encryptionCapabilities) || {};
  for (const name of ["OpenPGP", "S/MIME"]) if (capabilities[name]?.canEncrypt) return name;
  return null;
}

/** The compose details a change set asks for (null fields mean unchanged). */
export async function detailsFor(changeSet, details) {
  const update = {};
  if (typeof changeSet.subject === "string") update.subject = changeSet.subject;
  for (const field of ["to", "cc", "bcc"]) {
    if (Array.isArray(changeSet[field])) update[field] = changeSet[field];
  }
  if (changeSet.body) {
    const { text, html } = changeSet.body;
    if (details.isPlainText) update.plainTextBody = text ?? "";
    else update.body = html ?? textToHtml(text ?? "");
  }
  const added = changeSet.headers && typeof changeSet.headers === "object" ? changeSet.headers : {};
  const removed = Array.isArray(changeSet.removeHeaders) ? changeSet.removeHeaders : [];
  if (Object.keys(added).length || removed.length) {
    // Headers the core wants on the sent message (e.g. the envelope hint) replace the window's own of the same
    // name; the ones it found an identifier in (or that are not on its allowlist) are dropped.
    const names = new Set([...Object.keys(added), ...removed].map((name) => name.toLowerCase()));
    const kept = (details.customHeaders || []).filter((header) => !names.has(header.name.toLowerCase()));
    update.customHeaders = [...kept, ...Object.entries(added).map(([name, value]) => ({ name, value }))];
  }
  if (changeSet.encryption === "native") {
    const name = await nativeTechnology(details);
    if (!name) throw new Error("native encryption unavailable");
    update.selectedEncryptionTechnology = { name, encryptBody: true };
  }
  return update;
}

/**
 * Apply a change set: the envelope is attached first, the originals removed after, the details set last, so
 * that a failure at any step loses nothing — before the originals go, the envelope that holds them is in the
 * window. If attaching fails, what was added is taken out again and the window is as it was.
 */
export async function applyChangeSet(tabId, changeSet, details) {
  const update = await detailsFor(changeSet, details);
  const added = [];
  try {
    for (const entry of changeSet.addAttachments || []) {
      if (typeof entry.dataBase64 !== "string") throw new Error("the change set has no attachment bytes");
      const file = new File([fromBase64(entry.dataBase64)], entry.name, { type: entry.contentType });
      added.push(await messenger.compose.addAttachment(tabId, { file, name: entry.name }));
    }
  } catch (error) {
    for (const attachment of added) {
      await messenger.compose.removeAttachment(tabId, attachment.id).catch(() => {});
    }
    throw error;
  }
  for (const id of changeSet.removeAttachments || []) {
    await messenger.compose.removeAttachment(tabId, Number(id));
  }
  if (Object.keys(update).length) await messenger.compose.setComposeDetails(tabId, update);
}
