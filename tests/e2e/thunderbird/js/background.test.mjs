// The background page's send guard under Node (node --test), with Thunderbird's APIs and the core worker
// replaced by recorders: review and automatic modes, "apply and send" from the review panel, the password
// handover, and fail closed on a core failure or timeout. Run by test_tb_extension_js.py.

import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

const EXT = new URL("../../../../plugins/thunderbird/extension/", import.meta.url);
const OWN_ID = "medseal@medseal.invalid";
const PAGE = { id: OWN_ID, url: "moz-extension://uuid/review/review.html" };

const listeners = {};
const calls = [];
const state = { managed: {}, local: {}, details: {}, core: () => ({ action: "send" }) };

const record = (name, result) => async (...args) => {
  calls.push([name, ...args]);
  return typeof result === "function" ? result(...args) : result;
};
const addListener = (name) => ({ addListener: (fn) => (listeners[name] = fn) });
const named = (name) => calls.filter(([call]) => call === name);

const CHANGE_SET = {
  version: 1, verdict: "block", action: "apply", findings: [{ kind: "niss", where: "subject", masked: "m" }],
  reasons: ["R"], error: null, subject: "P-1", body: { text: "notice", html: null }, to: null, cc: null, bcc: null,
  removeAttachments: ["1"], addAttachments: [], encryption: "pdf-password", pseudonyms: ["P-1"],
}; // prettier-ignore

function protectAnswer(op) {
  const password = op === "protect" ? "pw-1234" : null;
  const added = op === "protect" ? [{ name: "message.pdf", contentType: "application/pdf", dataBase64: "JVBERg==" }] : [];
  return { ...CHANGE_SET, addAttachments: added, password: { value: password, source: "generated", recipients: ["p@x.test"] } };
}

globalThis.Worker = class {
  constructor() {
    queueMicrotask(() => this.onmessage({ data: { type: "ready", times: { pyodide: 1 } } }));
  }
  postMessage({ id, op, snapshot, settings, name, args }) {
    if (op === "service") {
      calls.push(["service", name, args]);
      const result = { name, echoed: args };
      queueMicrotask(() => this.onmessage({ data: { type: "result", id, result, ms: 1 } }));
      return;
    }
    calls.push(["core", op, snapshot, settings]);
    const answer = state.core(op, snapshot);
    if (answer === "hang") return;
    if (answer === "crash") {
      queueMicrotask(() => this.onmessage({ data: { type: "error", id, error: "RangeError" } }));
      return;
    }
    queueMicrotask(() => this.onmessage({ data: { type: "result", id, result: answer, ms: 1 } }));
  }
  terminate() {}
};

globalThis.fetch = async () =>
  new Response(
    JSON.stringify({
      en: { "reason.core_failed": "FAILED ({detail})", "reason.core_timeout": "TIMEOUT" },
      fr: {}, nl: {}, de: {},
    }),
  );

const api = {
  compose: {
    onBeforeSend: addListener("beforeSend"),
    onAfterSend: addListener("afterSend"),
    getComposeDetails: record("getComposeDetails", () => state.details),
    listAttachments: record("listAttachments", [{ id: 1, name: "labo.pdf" }]),
    getAttachmentFile: record("getAttachmentFile", new File([new Uint8Array([1, 2])], "labo.pdf", { type: "application/pdf" })),
    removeAttachment: record("removeAttachment"),
    addAttachment: record("addAttachment", { id: 2 }),
    setComposeDetails: record("setComposeDetails"),
    sendMessage: async (tabId) => {
      calls.push(["sendMessage", tabId]);
      const outcome = await listeners.beforeSend({ id: tabId }, state.details);
      if (outcome?.cancel) throw new Error("Send aborted by an onBeforeSend event");
      await listeners.afterSend({ id: tabId }, { mode: "sendNow", headerMessageId: "mid@x" });
      return { mode: "sendNow", headerMessageId: "mid@x" };
    },
  },
  identities: { get: record("identities.get", { email: "dr@practice.test" }) },
  messengerUtilities: { parseMailboxString: async (text) => [{ email: text.replace(/.*<|>.*/g, "") }] },
  storage: {
    managed: { get: async () => state.managed },
    local: {
      get: async (keys) => Object.fromEntries(keys.filter((k) => k in state.local).map((k) => [k, state.local[k]])),
      set: async (values) => Object.assign(state.local, values),
    },
  },
  runtime: {
    id: OWN_ID,
    getURL: (path) => `moz-extension://uuid/${path}`,
    onMessage: addListener("message"),
    onMessageExternal: addListener("external"),
    sendMessage: record("runtime.sendMessage"),
  },
  tabs: { onRemoved: addListener("tabRemoved") },
  windows: {
    onRemoved: addListener("windowRemoved"),
    create: record("windows.create", () => ({ id: 100 + named("windows.create").length })),
    update: record("windows.update"),
  },
  i18n: { getUILanguage: () => "en-US" },
};
globalThis.messenger = api;
globalThis.browser = api;

await import(new URL("background.js", EXT).href);
await new Promise((resolve) => setTimeout(resolve, 20)); // start-up: practice key, core ready

const message = (body) => listeners.message(body, PAGE);

describe("send guard", () => {
  beforeEach(() => {
    calls.length = 0;
    state.managed = {};
    state.details = { from: "Dr <dr@practice.test>", to: ["p@x.test"], subject: "S", isPlainText: true, plainTextBody: "b" };
    state.core = (op) => protectAnswer(op);
    listeners.windowRemoved(100 + 0); // forget review windows between tests
    for (let id = 100; id < 120; id++) listeners.windowRemoved(id);
  });

  test("first start made a practice key", () => {
    assert.equal(Buffer.from(state.local.practiceKey, "base64").length, 32);
  });

  test("a clean message goes untouched", async () => {
    state.core = () => ({ ...CHANGE_SET, action: "send", verdict: "ok" });
    assert.deepEqual(await listeners.beforeSend({ id: 1 }, state.details), {});
    assert.equal(named("core")[0][1], "analyse");
    assert.deepEqual(named("setComposeDetails"), []);
  });

  test("review mode holds the send back and opens the review panel", async () => {
    assert.deepEqual(await listeners.beforeSend({ id: 2 }, state.details), { cancel: true });
    const [[, op, snapshot, settings]] = named("core");
    assert.equal(op, "analyse");
    assert.equal(snapshot.attachments[0].dataBase64, "AQI=");
    assert.equal(settings.practiceKey, state.local.practiceKey);
    assert.deepEqual(named("windows.create")[0][1].url, "moz-extension://uuid/review/review.html?tab=2");
    assert.deepEqual(named("removeAttachment"), []);

    const review = await message({ type: "review", tabId: 2, fresh: false });
    assert.equal(review.changeSet.subject, "P-1");
    assert.equal(review.stage, "analyse");
  });

  test("apply and send from the panel protects, applies, sends and returns the password", async () => {
    await listeners.beforeSend({ id: 3 }, state.details);
    calls.length = 0;
    const answer = await message({ type: "applyAndSend", tabId: 3, standalone: true });
    assert.deepEqual(answer.sent, true);
    assert.equal(answer.handover.password, "pw-1234");
    assert.equal(named("core")[0][1], "protect");
    assert.deepEqual(named("removeAttachment")[0], ["removeAttachment", 3, 1]);
    assert.ok(calls.indexOf(named("addAttachment")[0]) < calls.indexOf(named("removeAttachment")[0]));
    assert.equal(named("addAttachment").length, 1);
    assert.deepEqual(named("setComposeDetails")[0][2], { subject: "P-1", plainTextBody: "notice" });
    assert.deepEqual(named("windows.create"), []); // the panel shows the password itself
  });

  test("a later send of the same tab is checked again (the approval is used once)", async () => {
    await message({ type: "applyAndSend", tabId: 4, standalone: true });
    calls.length = 0;
    assert.deepEqual(await listeners.beforeSend({ id: 4 }, state.details), { cancel: true });
    assert.equal(named("core")[0][1], "analyse");
  });

  test("automatic mode applies, sends, shows the password and hands it to the named extension", async () => {
    state.managed = { mode: "automatic", handoverExtensionId: "sms@x.test" };
    assert.deepEqual(await listeners.beforeSend({ id: 5 }, state.details), {});
    assert.equal(named("core")[0][1], "protect");
    assert.equal(named("setComposeDetails").length, 1);
    await listeners.afterSend({ id: 5 }, { mode: "sendNow", headerMessageId: "mid@x" });
    const [[, extensionId, handover]] = named("runtime.sendMessage");
    assert.equal(extensionId, "sms@x.test");
    assert.deepEqual(handover, {
      type: "medseal.handover", password: "pw-1234", recipients: ["p@x.test"], subject: "P-1", headerMessageId: "mid@x",
    }); // prettier-ignore
    const [[, window]] = named("windows.create");
    assert.match(window.url, /handover\/handover\.html\?id=\d+$/);
    const id = Number(window.url.split("=")[1]);
    assert.equal((await message({ type: "handover", id })).handover.password, "pw-1234");
    assert.equal((await message({ type: "handover", id })).handover, null); // shown once
  });

  test("a failed send keeps the password, shown until dismissed, and the retry delivers it", async () => {
    state.managed = { mode: "automatic", handoverExtensionId: "sms@x.test" };
    await listeners.beforeSend({ id: 6 }, state.details);
    await listeners.afterSend({ id: 6 }, { mode: "sendNow", error: "SMTP down" });
    const [[, window]] = named("windows.create");
    assert.match(window.url, /handover\/handover\.html\?id=\d+$/);
    const id = Number(window.url.split("=")[1]);
    for (let shown = 0; shown < 2; shown++) {
      const { handover } = await message({ type: "handover", id }); // again and again: until dismissed
      assert.deepEqual(handover, { password: "pw-1234", source: "generated", recipients: ["p@x.test"], subject: "P-1", sent: false });
    } // prettier-ignore
    const review = await message({ type: "review", tabId: 6 });
    assert.equal(review.unsent.password, "pw-1234");
    assert.equal(review.changeSet.password.value, null); // the panel's change set never carries it
    assert.ok(review.changeSet.addAttachments.every((a) => a.dataBase64 === null));
    assert.deepEqual(named("runtime.sendMessage"), []); // not handed over: the message has not gone
    const unsent = await listeners.external({ type: "medseal.unsent" }, { id: "sms@x.test" });
    assert.deepEqual(unsent.unsent.map((u) => [u.tabId, u.password]), [[6, "pw-1234"]]);
    assert.equal(await listeners.external({ type: "medseal.unsent" }, { id: "evil@x.test" }), undefined);

    state.core = () => ({ ...CHANGE_SET, action: "send", verdict: "ok" }); // the envelope is recognised
    assert.deepEqual(await listeners.beforeSend({ id: 6 }, state.details), {});
    await listeners.afterSend({ id: 6 }, { mode: "sendNow", headerMessageId: "m2" });
    const [[, extensionId, delivered]] = named("runtime.sendMessage");
    assert.equal(extensionId, "sms@x.test");
    assert.equal(delivered.password, "pw-1234");
    assert.equal(delivered.headerMessageId, "m2");
    assert.equal((await message({ type: "handover", id })).handover, null); // it went: no longer kept
    assert.deepEqual((await listeners.external({ type: "medseal.unsent" }, { id: "sms@x.test" })).unsent, []);
  });

  test("an unsent password stays until the user dismisses it", async () => {
    state.managed = { mode: "automatic" };
    await listeners.beforeSend({ id: 10 }, state.details);
    await listeners.afterSend({ id: 10 }, { mode: "sendNow", error: "SMTP down" });
    const id = Number(named("windows.create")[0][1].url.split("=")[1]);
    listeners.tabRemoved(10); // the compose window closed (saved as a draft, say): the window keeps it
    assert.equal((await message({ type: "handover", id })).handover.password, "pw-1234");
    assert.deepEqual(await message({ type: "handover.dismiss", id }), { dismissed: true });
    assert.equal((await message({ type: "handover", id })).handover, null);
  });

  test("key export/import and the access-code check go to the core, never to JavaScript", async () => {
    const exported = await message({ type: "key.export" });
    assert.deepEqual(exported, { name: "key_export", echoed: [state.local.practiceKey] });
    const imported = await message({ type: "key.import", text: "medseal-key-v1:ABC" });
    assert.deepEqual(imported, { name: "key_import", echoed: ["medseal-key-v1:ABC", "en"] });
    const codes = await message({ type: "codes.check", directoryCsv: "csv" });
    assert.deepEqual(codes, { name: "access_code_report", echoed: ["csv", "en"] });
  });

  test("a core that crashes blocks the send with the reason", async () => {
    state.managed = { mode: "automatic" };
    state.core = () => "crash";
    assert.deepEqual(await listeners.beforeSend({ id: 7 }, state.details), { cancel: true });
    const review = await message({ type: "review", tabId: 7 });
    assert.equal(review.changeSet.action, "block");
    assert.equal(review.changeSet.error, "FAILED (RangeError)");
    assert.deepEqual(named("setComposeDetails"), []);
  });

  test("a core that takes too long blocks the send", async () => {
    state.managed = { mode: "automatic", coreTimeoutMs: 30 };
    state.core = (op, snapshot) => (snapshot.subject === "slow" ? "hang" : protectAnswer(op));
    state.details = { ...state.details, subject: "slow" };
    assert.deepEqual(await listeners.beforeSend({ id: 8 }, state.details), { cancel: true });
    assert.equal((await message({ type: "review", tabId: 8 })).changeSet.error, "TIMEOUT");
    assert.match(named("windows.create")[0][1].url, /review\.html\?tab=8$/);
  });

  test("a change set that cannot be applied blocks the send", async () => {
    state.managed = { mode: "automatic" };
    state.core = () => ({ ...protectAnswer("protect"), encryption: "native" });
    api.identities.get = record("identities.get", { email: "dr@practice.test", encryptionCapabilities: {} });
    state.details = { ...state.details, identityId: "id1" };
    assert.deepEqual(await listeners.beforeSend({ id: 9 }, state.details), { cancel: true });
    assert.deepEqual(named("removeAttachment"), []);
  });

  test("messages from other extensions or pages are ignored", () => {
    assert.equal(listeners.message({ type: "settings.get" }, { id: "other@x", url: "moz-extension://other/" }), undefined);
    assert.equal(listeners.message({ type: "settings.get" }, { id: OWN_ID, url: "https://example.test/" }), undefined);
  });
});
