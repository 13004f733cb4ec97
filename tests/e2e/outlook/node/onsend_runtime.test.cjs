/*
 * The on-send handler in a bare JavaScript runtime, like classic Outlook on Windows: launchevent.js as served
 * by the real server, run in a fresh V8 context with no window, document, location or localStorage, with
 * Office built by office-addin-mock. Run by test_js_runtime.py with MEDSEAL_URL, MEDSEAL_TOKEN,
 * MEDSEAL_NODE_MODULES and NODE_EXTRA_CA_CERTS (the server's development certificate).
 */
"use strict";
const test = require("node:test");
const assert = require("node:assert");
const net = require("node:net");
const path = require("node:path");
const vm = require("node:vm");
const { OfficeMockObject } = require(path.join(process.env.MEDSEAL_NODE_MODULES, "office-addin-mock"));

const NISS = "85073003328";

function officeFor(subject, settings) {
  const ok = (value) => ({ status: "succeeded", value });
  const later = (callback, value) => setTimeout(() => callback(ok(value)), 0);
  const addresses = (list) => ({ getAsync(callback) { later(callback, list.map((a) => ({ emailAddress: a }))); } });
  return new OfficeMockObject({
    host: "outlook",
    AsyncResultStatus: { Succeeded: "succeeded", Failed: "failed" },
    CoercionType: { Text: "text", Html: "html" },
    MailboxEnums: {
      AttachmentContentFormat: { Base64: "base64", Url: "url", Eml: "eml", ICalendar: "iCalendar" },
      ItemNotificationMessageType: { InformationalMessage: "informationalMessage" },
    },
    actions: { handlers: {}, associate(name, handler) { this.handlers[name] = handler; } },
    context: {
      displayLanguage: "de-BE",
      roamingSettings: { get() { return settings; } },
      mailbox: {
        userProfile: { emailAddress: "dr.peeters@cabinet.example.be" },
        item: {
          subject: { getAsync(callback) { later(callback, subject); } },
          from: { getAsync(callback) { later(callback, { emailAddress: "dr.peeters@cabinet.example.be" }); } },
          to: addresses(["sophie.lambert@example.org"]),
          cc: addresses([]),
          bcc: addresses([]),
          body: {
            getTypeAsync(callback) { later(callback, "text"); },
            getAsync(type, callback) { later(callback, "Guten Tag,\nanbei Ihre Ergebnisse."); },
          },
          getAttachmentsAsync(callback) { later(callback, []); },
        },
      },
    },
  });
}

let source;

async function onSend(subject, settings, timeoutMs) {
  if (!source) {
    source = await (await fetch(`${process.env.MEDSEAL_URL}/launchevent.js`)).text();
  }
  const Office = officeFor(subject, settings);
  // Only what the JavaScript-only runtime offers: no window, document, location, localStorage.
  const context = vm.createContext({ Office, fetch, AbortController, setTimeout, clearTimeout, console });
  vm.runInContext(source, context, { filename: "launchevent.js" });
  if (timeoutMs) {
    vm.runInContext(`MEDSEAL_SEND_TIMEOUT_MS = ${timeoutMs};`, context);
  }
  assert.strictEqual(typeof Office.actions.handlers.onMessageSendHandler, "function");
  return new Promise((resolve) => {
    Office.actions.handlers.onMessageSendHandler({ completed: (options) => resolve(options || {}) });
  });
}

const configured = () => ({ server: process.env.MEDSEAL_URL, token: process.env.MEDSEAL_TOKEN });

test("a national number in the subject is blocked, in the user's language", async () => {
  const options = await onSend(`Ergebnisse ${NISS}`, configured());
  assert.strictEqual(options.allowEvent, false);
  assert.ok(options.errorMessage.length > 0 && options.errorMessage.length <= 500);
  assert.ok(!options.errorMessage.includes(NISS));
  assert.strictEqual(options.commandId, "msgComposeOpenPaneButton");
});

test("a clean message is allowed", async () => {
  const options = await onSend("Termin am Dienstag", configured());
  assert.deepStrictEqual(Object.keys(options), ["allowEvent"]);
  assert.strictEqual(options.allowEvent, true);
});

test("no token: blocked", async () => {
  const options = await onSend("Termin am Dienstag", undefined);
  assert.strictEqual(options.allowEvent, false);
  assert.ok(options.errorMessage);
});

test("a server that never answers: blocked after the timeout", async () => {
  const sockets = [];
  const silent = net.createServer((socket) => sockets.push(socket)); // accepts connections, never answers
  await new Promise((resolve) => silent.listen(0, "127.0.0.1", resolve));
  const started = Date.now();
  try {
    const settings = { server: `https://127.0.0.1:${silent.address().port}`, token: "x".repeat(20) };
    const options = await onSend("Termin am Dienstag", settings, 800);
    assert.strictEqual(options.allowEvent, false);
    assert.ok(options.errorMessage);
    assert.ok(Date.now() - started < 5000);
  } finally {
    sockets.forEach((socket) => socket.destroy());
    silent.close();
  }
});
