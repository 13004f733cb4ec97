// The compose snapshot of the JSON contract, taken from a compose tab: subject, sender, recipients (mailing
// lists expanded), text and HTML bodies, and every attachment as bytes.

import { toBase64 } from "./b64.js";

function flatten(parsed) {
  const out = [];
  for (const entry of parsed) {
    if (entry.group) out.push(...flatten(entry.group));
    else if (entry.email) out.push(entry.email);
    else if (entry.name) out.push(entry.name); // left as typed: the core judges it
  }
  return out;
}

async function contactEmails(recipient) {
  if (recipient.type === "mailingList") {
    const members = await messenger.mailingLists.listMembers(recipient.id);
    return members.map((contact) => primaryEmail(contact)).filter(Boolean);
  }
  const contact = await messenger.contacts.get(recipient.id);
  const email = contact && primaryEmail(contact);
  return email ? [email] : [];
}

function primaryEmail(contact) {
  return (contact.properties && (contact.properties.PrimaryEmail || contact.properties.SecondEmail)) || "";
}

/** Members of the address-book mailing list called `name` (Thunderbird writes lists as "Name <Name>"). */
async function listByName(name) {
  for (const book of await messenger.addressBooks.list(true)) {
    const list = (book.mailingLists || []).find((candidate) => candidate.name === name);
    if (list) return contactEmails({ id: list.id, type: "mailingList" });
  }
  return [name]; // not a list after all: left as typed, the core judges it
}

/** Parse one recipient string, mailing lists expanded (Thunderbird 147+ does it; older ones by name here). */
async function parseRecipients(text) {
  try {
    return flatten(await messenger.messengerUtilities.parseMailboxString(text, { expandMailingLists: true }));
  } catch {
    const out = [];
    for (const entry of flatten(await messenger.messengerUtilities.parseMailboxString(text))) {
      out.push(...(entry.includes("@") ? [entry] : await listByName(entry)));
    }
    return out;
  }
}

/** The display names typed or picked in a ComposeRecipientList ("Marie Dupont <m@x.be>" -> "Marie Dupont"). */
export async function displayNames(list) {
  const items = list === undefined || list === null ? [] : Array.isArray(list) ? list : [list];
  const names = [];
  const collect = (parsed) => {
    for (const entry of parsed) {
      if (entry.group) collect(entry.group);
      else if (entry.name && entry.email) names.push(entry.name);
    }
  };
  for (const item of items) {
    if (typeof item === "string") collect(await messenger.messengerUtilities.parseMailboxString(item));
  }
  return names;
}

/**
 * The header fields an interceptor would read besides the ones above: the window's custom headers and the
 * recipients' display names (as "To display name" entries), for the core to scan and, if they identify a
 * patient, to remove.
 */
export async function headerFields(details) {
  const fields = (details.customHeaders || []).map((header) => ({ name: header.name, value: header.value }));
  for (const [field, title] of [["to", "To"], ["cc", "Cc"], ["bcc", "Bcc"]]) {
    for (const name of await displayNames(details[field])) fields.push({ name: `${title} display name`, value: name });
  }
  return fields;
}

/** Bare addresses of a ComposeRecipientList (strings, contacts or mailing lists). */
export async function addresses(list) {
  const items = list === undefined || list === null ? [] : Array.isArray(list) ? list : [list];
  const out = [];
  for (const item of items) {
    if (typeof item === "string") out.push(...(await parseRecipients(item)));
    else if (item && item.id) out.push(...(await contactEmails(item)));
  }
  return out;
}

/** Bytes of every attachment, as the contract's attachment entries. */
export async function attachments(tabId) {
  const out = [];
  for (const attachment of await messenger.compose.listAttachments(tabId)) {
    const file = await messenger.compose.getAttachmentFile(attachment.id);
    const bytes = new Uint8Array(await file.arrayBuffer());
    out.push({
      id: String(attachment.id),
      name: attachment.name || file.name,
      contentType: file.type || "application/octet-stream",
      dataBase64: toBase64(bytes),
    });
  }
  return out;
}

/** True when the compose window already encrypts with S/MIME or OpenPGP. */
export function encryptsNatively(details) {
  const technology = details.selectedEncryptionTechnology;
  return Boolean(technology && technology.encryptBody);
}

/** The compose snapshot for a compose tab, given its current details. */
export async function takeSnapshot(tabId, details, language) {
  let [from] = await addresses(details.from ? [details.from] : []);
  if (!from && details.identityId) from = (await messenger.identities.get(details.identityId))?.email;
  const body = details.isPlainText
    ? { text: details.plainTextBody ?? "", html: null }
    : { text: details.plainTextBody ?? null, html: details.body ?? "" };
  return {
    version: 1,
    subject: details.subject || "",
    from: from || "",
    to: await addresses(details.to),
    cc: await addresses(details.cc),
    bcc: await addresses(details.bcc),
    headers: await headerFields(details),
    body,
    attachments: await attachments(tabId),
    language,
  };
}

/**
 * Recipients Thunderbird encrypts to itself. The MailExtension API cannot tell whether Thunderbird holds a
 * certificate or key for an address, so this is known only when the compose window already has encryption
 * turned on: Thunderbird then refuses to send unless it can encrypt to every recipient.
 */
export function nativeRecipients(details, snapshot) {
  return encryptsNatively(details) ? [...snapshot.to, ...snapshot.cc, ...snapshot.bcc] : [];
}
