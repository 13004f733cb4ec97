/*
 * medseal: the on-send check (event-based activation, Smart Alerts).
 *
 * This file runs in classic Outlook's JavaScript-only runtime as well as in a browser: one file, no
 * imports, no DOM, no Office.onReady; the handlers are mapped with Office.actions.associate at the end.
 * Every path of every handler calls event.completed. When the server cannot answer (down, slow, refused
 * token), the send is blocked: medseal fails closed.
 *
 * The task pane loads this file too and reuses medsealReadSnapshot / medsealPost / medsealText.
 */
"use strict";

/* Filled in by the server from the core's catalogue: the strings needed when the API cannot answer. */
var MEDSEAL_STRINGS = /*@medseal-offline-strings@*/ {};
var MEDSEAL_LANGUAGES = ["fr", "nl", "de", "en"];
var MEDSEAL_SEND_TIMEOUT_MS = 5000;
var MEDSEAL_PANE_COMMAND = "msgComposeOpenPaneButton";
var MEDSEAL_SETTINGS_KEY = "medseal";
var MEDSEAL_CACHE_KEY = "medsealLastCheck";
var MEDSEAL_CACHE_MAX_AGE_MS = 10 * 60 * 1000;
var MEDSEAL_NOTICE_KEY = "medsealNotice";
var MEDSEAL_TYPES = {
  pdf: "application/pdf", docx: "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
  odt: "application/vnd.oasis.opendocument.text", html: "text/html", htm: "text/html", xml: "application/xml",
  txt: "text/plain", csv: "text/csv", hl7: "application/hl7-v2", eml: "message/rfc822",
  png: "image/png", jpg: "image/jpeg", jpeg: "image/jpeg"
};

function medsealLanguage() {
  var code = String(Office.context.displayLanguage || "").slice(0, 2).toLowerCase();
  return MEDSEAL_LANGUAGES.indexOf(code) >= 0 ? code : "fr";
}

/* The first of `keys` found in `table` (a flat catalogue), else in the offline strings (the user's
 * language, then English); `{name}` placeholders are filled from `values`. */
function medsealText(keys, values, table) {
  var tables = [table || {}, MEDSEAL_STRINGS[medsealLanguage()] || {}, MEDSEAL_STRINGS.en || {}];
  for (var t = 0; t < tables.length; t++) {
    for (var k = 0; k < keys.length; k++) {
      var text = tables[t][keys[k]];
      if (text) {
        return text.replace(/\{(\w+)\}/g, function (whole, name) {
          return values && values[name] !== undefined ? String(values[name]) : "";
        });
      }
    }
  }
  return keys[keys.length - 1];
}

function medsealSettings() {
  var saved = (Office.context.roamingSettings && Office.context.roamingSettings.get(MEDSEAL_SETTINGS_KEY)) || {};
  var origin = typeof location !== "undefined" && location.origin && location.origin !== "null" ? location.origin : "";
  return { server: saved.server || origin, token: saved.token || "" };
}

/* An Error whose `keys` name the catalogue strings that explain it; `detail` fills their {detail}. */
function medsealError(keys, detail) {
  var error = new Error(keys[0]);
  error.keys = keys;
  error.detail = detail || "";
  return error;
}

function medsealExplain(error) {
  var keys = (error && error.keys) || ["reason.core_failed"];
  return medsealText(keys, { detail: (error && error.detail) || "JavaScript" });
}

/* Office.js callbacks as promises: medsealCall(function (done) { item.subject.getAsync(done); }). */
function medsealCall(start) {
  return new Promise(function (resolve, reject) {
    start(function (result) {
      if (result.status === Office.AsyncResultStatus.Succeeded) {
        resolve(result.value);
      } else {
        reject(medsealError(["reason.core_failed"], "Office.js"));
      }
    });
  });
}

function medsealBase64Utf8(text) {
  var alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  var bytes = [];
  var escaped = encodeURIComponent(text);
  for (var i = 0; i < escaped.length; i++) {
    if (escaped[i] === "%") {
      bytes.push(parseInt(escaped.substr(i + 1, 2), 16));
      i += 2;
    } else {
      bytes.push(escaped.charCodeAt(i));
    }
  }
  var out = "";
  for (var j = 0; j < bytes.length; j += 3) {
    var n = (bytes[j] << 16) | ((bytes[j + 1] || 0) << 8) | (bytes[j + 2] || 0);
    out += alphabet[(n >> 18) & 63] + alphabet[(n >> 12) & 63];
    out += j + 1 < bytes.length ? alphabet[(n >> 6) & 63] : "=";
    out += j + 2 < bytes.length ? alphabet[n & 63] : "=";
  }
  return out;
}

function medsealContentType(name) {
  var dot = name.lastIndexOf(".");
  return MEDSEAL_TYPES[dot >= 0 ? name.slice(dot + 1).toLowerCase() : ""] || "application/octet-stream";
}

function medsealReadAttachment(item, details) {
  return medsealCall(function (done) {
    item.getAttachmentContentAsync(details.id, done);
  }).then(function (content) {
    var formats = Office.MailboxEnums.AttachmentContentFormat;
    var name = details.name || "attachment";
    var type = details.contentType || medsealContentType(name);
    var data = content.content;
    if (content.format === formats.Eml) {
      type = "message/rfc822";
      data = medsealBase64Utf8(data);
    } else if (content.format === formats.ICalendar) {
      type = "text/calendar";
      data = medsealBase64Utf8(data);
    } else if (content.format === formats.Url) {
      type = "text/uri-list";
      data = medsealBase64Utf8(data);
    }
    return { id: details.id, name: name, contentType: type, dataBase64: data };
  });
}

function medsealRecipients(field) {
  if (!field) {
    return Promise.resolve([]);
  }
  return medsealCall(function (done) {
    field.getAsync(done);
  }).then(function (list) {
    return list || [];
  });
}

function medsealAddresses(entries) {
  return entries.map(function (entry) {
    return entry.emailAddress;
  });
}

/* The recipients' display names, as the contract's "To display name" header entries: an interceptor reads
 * them, so the core scans them (and the change set then gives the bare addresses back). */
function medsealDisplayNames(title, entries) {
  return entries.filter(function (entry) {
    return entry.displayName && entry.displayName !== entry.emailAddress;
  }).map(function (entry) {
    return { name: title + " display name", value: entry.displayName };
  });
}

/* The compose snapshot of `item`, as the core's JSON contract defines it. */
function medsealReadSnapshot(item) {
  var coercion = Office.CoercionType;
  var from = item.from && item.from.getAsync
    ? medsealCall(function (done) { item.from.getAsync(done); }).then(function (v) { return v.emailAddress; })
    : Promise.resolve(Office.context.mailbox.userProfile.emailAddress);
  var bodyType = item.body.getTypeAsync
    ? medsealCall(function (done) { item.body.getTypeAsync(done); })
    : Promise.resolve(coercion.Text);
  var attachments = medsealCall(function (done) {
    item.getAttachmentsAsync(done);
  }).then(function (list) {
    return Promise.all((list || []).map(function (details) {
      return medsealReadAttachment(item, details);
    }));
  });
  return Promise.all([
    medsealCall(function (done) { item.subject.getAsync(done); }),
    from,
    medsealRecipients(item.to),
    medsealRecipients(item.cc),
    medsealRecipients(item.bcc),
    medsealCall(function (done) { item.body.getAsync(coercion.Text, done); }),
    bodyType.then(function (type) {
      return type === coercion.Html ? medsealCall(function (done) { item.body.getAsync(coercion.Html, done); }) : null;
    }),
    attachments
  ]).then(function (parts) {
    var headers = medsealDisplayNames("To", parts[2])
      .concat(medsealDisplayNames("Cc", parts[3]), medsealDisplayNames("Bcc", parts[4]));
    return {
      version: 1, subject: parts[0] || "", from: parts[1] || "",
      to: medsealAddresses(parts[2]), cc: medsealAddresses(parts[3]), bcc: medsealAddresses(parts[4]),
      headers: headers, body: { text: parts[5], html: parts[6] }, attachments: parts[7], language: medsealLanguage()
    };
  });
}

/* Call the server's API: resolves with the JSON answer; rejects with catalogue keys on any failure, and
 * after `timeoutMs` (the request is then aborted). `body` (if any) is sent as JSON. */
function medsealRequest(method, path, body, timeoutMs) {
  var settings = medsealSettings();
  if (!settings.token || !settings.server) {
    return Promise.reject(medsealError(["reason.not_configured", "reason.server_unreachable"]));
  }
  var controller = typeof AbortController !== "undefined" ? new AbortController() : null;
  var timer;
  var timeout = new Promise(function (resolve, reject) {
    timer = setTimeout(function () {
      if (controller) {
        controller.abort();
      }
      reject(medsealError(["reason.core_timeout"]));
    }, timeoutMs);
  });
  var headers = { "Authorization": "Bearer " + settings.token };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
  }
  var request = fetch(settings.server + path, {
    method: method,
    headers: headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: controller ? controller.signal : undefined
  }).then(function (response) {
    if (response.status === 401) {
      throw medsealError(["reason.not_configured", "reason.server_unreachable"], "401");
    }
    if (response.status === 413) {
      throw medsealError(["reason.too_large", "reason.core_failed"], "413");
    }
    if (response.status === 503) {
      throw medsealError(["reason.server_busy", "reason.core_failed"], "503");
    }
    if (response.status === 408) {
      throw medsealError(["reason.core_timeout", "reason.core_failed"], "408");
    }
    if (!response.ok) {
      throw medsealError(["reason.core_failed"], "HTTP " + response.status);
    }
    return response.json();
  }, function () {
    throw medsealError(["reason.server_unreachable"]);
  });
  return Promise.race([request, timeout]).then(function (value) {
    clearTimeout(timer);
    return value;
  }, function (error) {
    clearTimeout(timer);
    throw error.keys ? error : medsealError(["reason.core_failed"], "JavaScript");
  });
}

function medsealPost(path, snapshot, timeoutMs) {
  return medsealRequest("POST", path, snapshot, timeoutMs);
}

/* A short, stable fingerprint of a snapshot (to reuse a check made while composing; not a security measure). */
function medsealFingerprint(text) {
  var a = 0x811c9dc5;
  var b = 0x9747b28c ^ text.length;
  for (var i = 0; i < text.length; i++) {
    var c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 16777619);
    b = Math.imul(b ^ c, 2654435761);
    b ^= b >>> 15;
  }
  return (a >>> 0).toString(16) + "." + (b >>> 0).toString(16) + "." + text.length;
}

function medsealSessionData(item) {
  return item.sessionData && item.sessionData.getAsync ? item.sessionData : null;
}

function medsealRemember(item, fingerprint, changes) {
  var store = medsealSessionData(item);
  if (!store) {
    return Promise.resolve();
  }
  var value = JSON.stringify({ fingerprint: fingerprint, action: changes.action, at: Date.now() });
  return medsealCall(function (done) { store.setAsync(MEDSEAL_CACHE_KEY, value, done); }).catch(function () {});
}

/* True when a check made while composing already cleared exactly this content. */
function medsealCleared(item, fingerprint) {
  var store = medsealSessionData(item);
  if (!store) {
    return Promise.resolve(false);
  }
  return medsealCall(function (done) { store.getAsync(MEDSEAL_CACHE_KEY, done); }).then(function (value) {
    var saved = JSON.parse(value || "{}");
    return saved.fingerprint === fingerprint && saved.action === "send" && Date.now() - saved.at < MEDSEAL_CACHE_MAX_AGE_MS;
  }).catch(function () {
    return false;
  });
}

/* Read `item`, ask the server's analyse (unless this very content was just cleared) and remember the answer. */
function medsealCheck(item, timeoutMs) {
  return medsealReadSnapshot(item).then(function (snapshot) {
    var fingerprint = medsealFingerprint(JSON.stringify(snapshot) + "|" + medsealSettings().server);
    return medsealCleared(item, fingerprint).then(function (cleared) {
      if (cleared) {
        return { action: "send", reasons: [] };
      }
      return medsealPost("/api/v1/analyse", snapshot, timeoutMs).then(function (changes) {
        return medsealRemember(item, fingerprint, changes).then(function () {
          return changes;
        });
      });
    });
  });
}

function medsealSummary(changes) {
  var lines = [changes.error || medsealText(["ui.blocked"])];
  (changes.reasons || []).forEach(function (reason) {
    if (reason !== changes.error) {
      lines.push("• " + reason);
    }
  });
  var text = lines.join("\n");
  return text.length > 500 ? text.slice(0, 499) + "…" : text;
}

function medsealBlock(event, message) {
  event.completed({
    allowEvent: false,
    errorMessage: message,
    cancelLabel: medsealText(["ui.open_pane"]).slice(0, 20),
    commandId: MEDSEAL_PANE_COMMAND
  });
}

/* OnMessageSend: let a clean (or already fixed) message go; block everything else, and every failure. */
function onMessageSendHandler(event) {
  try {
    medsealCheck(Office.context.mailbox.item, MEDSEAL_SEND_TIMEOUT_MS).then(function (changes) {
      if (changes.action === "send") {
        event.completed({ allowEvent: true });
      } else {
        medsealBlock(event, medsealSummary(changes));
      }
    }).catch(function (error) {
      medsealBlock(event, medsealExplain(error));
    });
  } catch (error) {
    medsealBlock(event, medsealExplain(error));
  }
}

/* OnMessageRecipientsChanged / OnMessageAttachmentsChanged: check ahead of Send and say so in the info bar. */
function onMessageChangedHandler(event) {
  var item = Office.context.mailbox.item;
  var notices = item.notificationMessages;
  function done() {
    event.completed();
  }
  try {
    medsealCheck(item, 4 * MEDSEAL_SEND_TIMEOUT_MS).then(function (changes) {
      if (changes.action === "send") {
        notices.removeAsync(MEDSEAL_NOTICE_KEY, done);
        return;
      }
      var text = medsealSummary(changes).replace(/\n/g, " ");
      notices.replaceAsync(MEDSEAL_NOTICE_KEY, {
        type: Office.MailboxEnums.ItemNotificationMessageType.InformationalMessage,
        message: text.length > 150 ? text.slice(0, 149) + "…" : text,
        icon: "Icon.16x16",
        persistent: false
      }, done);
    }).catch(done);
  } catch (error) {
    done();
  }
}

if (typeof Office !== "undefined" && Office.actions && Office.actions.associate) {
  Office.actions.associate("onMessageSendHandler", onMessageSendHandler);
  Office.actions.associate("onMessageRecipientsChangedHandler", onMessageChangedHandler);
  Office.actions.associate("onMessageAttachmentsChangedHandler", onMessageChangedHandler);
}
