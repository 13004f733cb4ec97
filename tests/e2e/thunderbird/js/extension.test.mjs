// Unit tests of the extension's modules under Node (node --test), with the MailExtension APIs replaced by
// recorders. Run by test_tb_extension_js.py.

import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

const EXT = new URL("../../../../plugins/thunderbird/extension/", import.meta.url);
const load = (path) => import(new URL(path, EXT).href);

const { applyChangeSet, detailsFor, textToHtml } = await load("lib/apply.js");
const { nativeRecipients, takeSnapshot } = await load("lib/snapshot.js");
const settingsModule = await load("lib/settings.js");
const { CoreClient, CoreFailure } = await load("lib/core-client.js");
const { translator, normaliseLanguage } = await load("lib/i18n.js");
const { toBase64, fromBase64 } = await load("lib/b64.js");

/** A stand-in for the messenger/browser objects: each call is recorded in `calls`. */
function fakeMessenger({ attachments = [], identity = null, managed = null, local = {} } = {}) {
  const calls = [];
  const store = { ...local };
  const record = (name, result) => async (...args) => {
    calls.push([name, ...args]);
    return typeof result === "function" ? result(...args) : result;
  };
  const api = {
    compose: {
      listAttachments: record("listAttachments", attachments.map(({ id, name }) => ({ id, name }))),
      getAttachmentFile: record("getAttachmentFile", (id) => {
        const found = attachments.find((a) => a.id === id);
        return new File([found.bytes], found.name, { type: found.type });
      }),
      removeAttachment: record("removeAttachment"),
      addAttachment: record("addAttachment", (tabId, { file }) => ({ id: 99, name: file.name })),
      setComposeDetails: record("setComposeDetails"),
    },
    identities: { get: record("identities.get", identity) },
    messengerUtilities: {
      parseMailboxString: record("parse", (text) =>
        text.split(",").map((part) => {
          const match = part.match(/<([^>]+)>/);
          if (part.includes(":")) {
            const [, members] = part.split(":");
            return { name: "list", group: members.replace(";", "").split(" ").filter(Boolean).map((email) => ({ email })) };
          }
          const name = match ? part.slice(0, part.indexOf("<")).trim() : "";
          return name ? { name, email: match[1].trim() } : { email: (match ? match[1] : part).trim() };
        }),
      ),
    },
    contacts: { get: record("contacts.get", { properties: { PrimaryEmail: "contact@example.test" } }) },
    mailingLists: {
      listMembers: record("listMembers", [{ properties: { PrimaryEmail: "m1@example.test" } }, { properties: {} }]),
    },
    storage: {
      managed: {
        get: async () => {
          if (managed === null) throw new Error("Managed storage manifest not found");
          return managed;
        },
      },
      local: {
        get: async (keys) => Object.fromEntries(keys.filter((k) => k in store).map((k) => [k, store[k]])),
        set: async (values) => Object.assign(store, values),
      },
    },
    runtime: { getURL: (path) => `moz-extension://test/${path}` },
    i18n: { getUILanguage: () => "nl-BE" },
  };
  return { api, calls, store };
}

function install(fake) {
  globalThis.messenger = fake.api;
  globalThis.browser = fake.api;
}

describe("apply", () => {
  test("plain text compose gets plainTextBody; recipients and subject as given", async () => {
    const update = await detailsFor(
      { subject: "S", to: ["a@x.test"], cc: null, bcc: [], body: { text: "notice", html: null } },
      { isPlainText: true },
    );
    assert.deepEqual(update, { subject: "S", to: ["a@x.test"], bcc: [], plainTextBody: "notice" });
  });

  test("HTML compose gets the HTML body, or the text escaped", async () => {
    assert.deepEqual(await detailsFor({ body: { text: "t", html: "<p>h</p>" } }, { isPlainText: false }), {
      body: "<p>h</p>",
    });
    const { body } = await detailsFor({ body: { text: "a < b & c", html: null } }, { isPlainText: false });
    assert.equal(body, textToHtml("a < b & c"));
    assert.match(body, /a &lt; b &amp; c/);
  });

  test("native encryption keeps the window's technology, else takes the identity's", async () => {
    const current = { selectedEncryptionTechnology: { name: "S/MIME", encryptBody: false } };
    assert.deepEqual((await detailsFor({ encryption: "native" }, current)).selectedEncryptionTechnology, {
      name: "S/MIME",
      encryptBody: true,
    });
    const fake = fakeMessenger({
      identity: { encryptionCapabilities: { OpenPGP: { canEncrypt: true }, "S/MIME": { canEncrypt: false } } },
    });
    install(fake);
    const update = await detailsFor({ encryption: "native" }, { identityId: "id1" });
    assert.deepEqual(update.selectedEncryptionTechnology, { name: "OpenPGP", encryptBody: true });
  });

  test("native encryption that the identity cannot do is refused before anything changes", async () => {
    const fake = fakeMessenger({ identity: { encryptionCapabilities: {} } });
    install(fake);
    const changeSet = { encryption: "native", removeAttachments: ["1"], addAttachments: [] };
    await assert.rejects(applyChangeSet(5, changeSet, { identityId: "id1" }), /native encryption unavailable/);
    assert.deepEqual(fake.calls.filter(([name]) => name === "removeAttachment"), []);
  });

  test("headers from the change set are added to the window's own", async () => {
    const details = { customHeaders: [{ name: "X-Keep", value: "1" }, { name: "x-medseal-envelope", value: "old" }] };
    const update = await detailsFor({ headers: { "X-Medseal-Envelope": "pdf-password; v=1" } }, details);
    assert.deepEqual(update.customHeaders, [
      { name: "X-Keep", value: "1" },
      { name: "X-Medseal-Envelope", value: "pdf-password; v=1" },
    ]);
  });

  test("headers the core drops leave the window, custom headers and display names go to the core", async () => {
    const details = {
      customHeaders: [{ name: "X-Patient", value: "Dupont" }, { name: "X-Keep", value: "1" }],
      to: ["Marie Dupont <marie@example.test>"],
    };
    const update = await detailsFor(
      { removeHeaders: ["X-Patient"], headers: { "X-Medseal-Envelope": "pdf-password; v=1" }, to: ["marie@example.test"] },
      details,
    );
    assert.deepEqual(update.customHeaders, [
      { name: "X-Keep", value: "1" },
      { name: "X-Medseal-Envelope", value: "pdf-password; v=1" },
    ]);
    assert.deepEqual(update.to, ["marie@example.test"]);
    install(fakeMessenger());
    const snapshot = await takeSnapshot(7, { ...details, isPlainText: true, plainTextBody: "" }, "fr");
    assert.deepEqual(snapshot.headers, [
      { name: "X-Patient", value: "Dupont" },
      { name: "X-Keep", value: "1" },
      { name: "To display name", value: "Marie Dupont" },
    ]);
    assert.deepEqual(snapshot.to, ["marie@example.test"]);
  });

  test("the encrypted attachments are added first, then the originals removed, then the details set", async () => {
    const fake = fakeMessenger();
    install(fake);
    const pdf = new Uint8Array([37, 80, 68, 70, 0, 255]);
    await applyChangeSet(
      5,
      {
        subject: "P-1",
        removeAttachments: ["3", "4"],
        addAttachments: [{ name: "message.pdf", contentType: "application/pdf", dataBase64: toBase64(pdf) }],
      },
      { isPlainText: true },
    );
    assert.deepEqual(
      fake.calls.map(([name]) => name),
      ["addAttachment", "removeAttachment", "removeAttachment", "setComposeDetails"],
    );
    const [, tabId, { file, name }] = fake.calls[0];
    assert.equal(tabId, 5);
    assert.equal(name, "message.pdf");
    assert.equal(file.type, "application/pdf");
    assert.deepEqual(new Uint8Array(await file.arrayBuffer()), pdf);
    assert.deepEqual(fake.calls[1], ["removeAttachment", 5, 3]);
    assert.deepEqual(fake.calls[3], ["setComposeDetails", 5, { subject: "P-1" }]);
  });

  test("a failure while attaching keeps the originals and takes the partial envelope out again", async () => {
    const fake = fakeMessenger();
    let added = 0;
    fake.api.compose.addAttachment = async (tabId, { file }) => {
      fake.calls.push(["addAttachment", tabId, file.name]);
      if (++added === 2) throw new Error("disk full");
      return { id: 70 + added, name: file.name };
    };
    install(fake);
    const entry = (name) => ({ name, contentType: "application/pdf", dataBase64: toBase64(new Uint8Array([1])) });
    const changeSet = { subject: "P-1", removeAttachments: ["3"], addAttachments: [entry("a.pdf"), entry("b.pdf")] };
    await assert.rejects(applyChangeSet(5, changeSet, { isPlainText: true }), /disk full/);
    assert.deepEqual(fake.calls.filter(([name]) => name === "removeAttachment"), [["removeAttachment", 5, 71]]);
    assert.deepEqual(fake.calls.filter(([name]) => name === "setComposeDetails"), []);
  });

  test("a change set without the envelope's bytes (a preview) is never applied", async () => {
    const fake = fakeMessenger();
    install(fake);
    const changeSet = { removeAttachments: ["3"], addAttachments: [{ name: "message.pdf", dataBase64: null }] };
    await assert.rejects(applyChangeSet(5, changeSet, { isPlainText: true }), /no attachment bytes/);
    assert.deepEqual(fake.calls.filter(([name]) => name === "removeAttachment"), []);
  });
});

describe("snapshot", () => {
  test("the contract's snapshot: addresses parsed, lists and contacts expanded, attachments as base64", async () => {
    const bytes = new Uint8Array([1, 2, 3, 250]);
    const fake = fakeMessenger({ attachments: [{ id: 12, name: "labo.pdf", type: "application/pdf", bytes }] });
    install(fake);
    const details = {
      from: "Dr Test <dr@practice.test>",
      to: ["Marie <marie@example.test>", { id: "c1", type: "contact" }],
      cc: ["team: a@example.test b@example.test;"],
      bcc: [{ id: "l1", type: "mailingList" }],
      subject: "Results",
      isPlainText: true,
      plainTextBody: "Hello",
    };
    const snapshot = await takeSnapshot(7, details, "fr");
    assert.deepEqual(snapshot, {
      version: 1,
      subject: "Results",
      from: "dr@practice.test",
      to: ["marie@example.test", "contact@example.test"],
      cc: ["a@example.test", "b@example.test"],
      bcc: ["m1@example.test"],
      headers: [{ name: "To display name", value: "Marie" }],
      body: { text: "Hello", html: null },
      attachments: [{ id: "12", name: "labo.pdf", contentType: "application/pdf", dataBase64: toBase64(bytes) }],
      language: "fr",
    });
    assert.deepEqual(fake.calls.find(([name]) => name === "parse")[2], { expandMailingLists: true });
  });

  test("before Thunderbird 147 mailing lists are expanded by name", async () => {
    const fake = fakeMessenger();
    fake.api.messengerUtilities.parseMailboxString = async (text, options) => {
      if (options !== undefined) throw new Error("Type error for parameter options");
      return text.split(",").map((part) => {
        const match = part.match(/<([^>]+)>/);
        return { name: part.split("<")[0].trim(), email: (match ? match[1] : part).trim() };
      });
    };
    fake.api.addressBooks = { list: async () => [{ mailingLists: [] }, { mailingLists: [{ id: "l9", name: "Team" }] }] };
    install(fake);
    const snapshot = await takeSnapshot(7, { to: ["a@example.test, Team <Team>, Nobody <Nobody>"], isPlainText: true }, "fr");
    assert.deepEqual(snapshot.to, ["a@example.test", "m1@example.test", "Nobody"]);
    assert.deepEqual(fake.calls.find(([name]) => name === "listMembers"), ["listMembers", "l9"]);
  });

  test("HTML compose sends both bodies; sender from the identity when the window has none", async () => {
    const fake = fakeMessenger({ identity: { email: "id@practice.test" } });
    install(fake);
    const snapshot = await takeSnapshot(
      7,
      { identityId: "id1", isPlainText: false, body: "<p>x</p>", plainTextBody: "x" },
      "nl",
    );
    assert.deepEqual(snapshot.body, { text: "x", html: "<p>x</p>" });
    assert.equal(snapshot.from, "id@practice.test");
  });

  test("native recipients only when the window already encrypts", () => {
    const snapshot = { to: ["a@x.test"], cc: ["b@x.test"], bcc: ["c@x.test"] };
    assert.deepEqual(nativeRecipients({}, snapshot), []);
    assert.deepEqual(nativeRecipients({ selectedEncryptionTechnology: { name: "OpenPGP", encryptBody: false } }, snapshot), []);
    assert.deepEqual(
      nativeRecipients({ selectedEncryptionTechnology: { name: "S/MIME", encryptBody: true } }, snapshot),
      ["a@x.test", "b@x.test", "c@x.test"],
    );
  });
});

describe("settings", () => {
  test("managed values win key by key; administrator-only keys never come from local storage", async () => {
    const fake = fakeMessenger({
      managed: { mode: "automatic", coreTimeoutMs: 500 },
      local: { mode: "review", language: "de", handoverExtensionId: "evil@x", coreTimeoutMs: 1 },
    });
    install(fake);
    const { values, managed } = await settingsModule.loadSettings();
    assert.equal(values.mode, "automatic");
    assert.equal(values.language, "de");
    assert.equal(values.coreTimeoutMs, 500);
    assert.equal(values.handoverExtensionId, "");
    assert.deepEqual(managed.sort(), ["coreTimeoutMs", "mode"]);
  });

  test("without any policy the defaults apply and an unknown mode means review", async () => {
    install(fakeMessenger({ managed: null, local: { mode: "yolo" } }));
    const { values, managed } = await settingsModule.loadSettings();
    assert.equal(values.mode, "review");
    assert.equal(values.coreTimeoutMs, 30000);
    assert.deepEqual(managed, []);
  });

  test("first start makes a 32-byte practice key, once; none when the administrator gives one", async () => {
    const fake = fakeMessenger({ managed: {} });
    install(fake);
    assert.equal(await settingsModule.ensurePracticeKey(), true);
    const key = fake.store.practiceKey;
    assert.equal(fromBase64(key).length, 32);
    assert.equal(await settingsModule.ensurePracticeKey(), false);
    assert.equal(fake.store.practiceKey, key);

    const managedFake = fakeMessenger({ managed: { practiceKey: toBase64(new Uint8Array(32)) } });
    install(managedFake);
    assert.equal(await settingsModule.ensurePracticeKey(), false);
    assert.equal(managedFake.store.practiceKey, undefined);
  });

  test("saving ignores managed keys and rejects a key that is not 32 bytes", async () => {
    const fake = fakeMessenger({ managed: { mode: "automatic" } });
    install(fake);
    const saved = await settingsModule.saveSettings({ mode: "review", policyToml: "x = 1" });
    assert.deepEqual(saved, ["policyToml"]);
    assert.equal(fake.store.mode, undefined);
    await assert.rejects(settingsModule.saveSettings({ practiceKey: toBase64(new Uint8Array(16)) }));
    const key = toBase64(new Uint8Array(32).fill(7));
    await settingsModule.saveSettings({ practiceKey: ` ${key.slice(0, 10)}\n${key.slice(10)} ` });
    assert.equal(fake.store.practiceKey, key);
  });

  test("the contract's settings", () => {
    const values = { ...settingsModule.DEFAULTS, practiceKey: "k", directoryCsv: "csv", fixRecipients: 1 };
    assert.deepEqual(settingsModule.coreSettings(values, "de", ["a@x.test"]), {
      practiceKey: "k",
      directoryCsv: "csv",
      policyToml: "",
      language: "de",
      fixRecipients: true,
      nativeEncryptionRecipients: ["a@x.test"],
    });
  });
});

describe("i18n", () => {
  test("placeholders filled, English then the key as fallbacks", async () => {
    install(fakeMessenger());
    globalThis.fetch = async () =>
      new Response(JSON.stringify({ fr: { a: "A {x} {y}" }, en: { a: "EN", b: "B" }, nl: {}, de: {} }));
    const t = await translator("fr-BE");
    assert.equal(t("a", { x: 1 }), "A 1 {y}");
    assert.equal(t("b"), "B");
    assert.equal(t("missing"), "missing");
    assert.equal(t.has("b"), true);
    assert.equal(t.has("missing"), false);
    assert.equal(normaliseLanguage("nl_BE.UTF-8"), "nl");
    assert.equal(normaliseLanguage("es"), "fr");
  });
});

/** A Worker stand-in: the test decides what the "core" answers. */
class FakeWorker {
  static all = [];
  static behaviour = "ready";
  constructor(url, options) {
    this.url = url;
    this.options = options;
    this.terminated = false;
    this.posted = [];
    FakeWorker.all.push(this);
    queueMicrotask(() => {
      if (FakeWorker.behaviour === "ready") this.emit({ type: "ready", times: { pyodide: 1 } });
      else if (FakeWorker.behaviour === "failed") this.emit({ type: "failed", error: "BadZipFile: not a wheel" });
    });
  }
  emit(data) {
    if (!this.terminated) this.onmessage?.({ data });
  }
  postMessage(message) {
    this.posted.push(message);
    if (message.snapshot?.subject === "hang") return;
    queueMicrotask(() => this.emit({ type: "result", id: message.id, result: { action: "send" }, ms: 2 }));
  }
  terminate() {
    this.terminated = true;
  }
}

describe("core client", () => {
  beforeEach(() => {
    globalThis.Worker = FakeWorker;
    FakeWorker.all = [];
    FakeWorker.behaviour = "ready";
  });

  test("a module worker; calls answered once ready", async () => {
    const client = new CoreClient("core-worker.js");
    client.start();
    const { result } = await client.call("protect", { subject: "s" }, {}, 1000);
    assert.deepEqual(result, { action: "send" });
    assert.deepEqual(FakeWorker.all[0].options, { type: "module" });
    assert.equal(FakeWorker.all[0].posted[0].op, "protect");
    assert.equal(client.status().state, "ready");
  });

  test("a check that takes too long fails as a timeout and the worker is replaced", async () => {
    const client = new CoreClient("core-worker.js");
    client.start();
    await client.ready;
    await assert.rejects(client.call("protect", { subject: "hang" }, {}, 20), (error) => {
      assert.ok(error instanceof CoreFailure);
      assert.equal(error.kind, "timeout");
      return true;
    });
    assert.equal(FakeWorker.all.length, 2);
    assert.equal(FakeWorker.all[0].terminated, true);
    const { result } = await client.call("analyse", { subject: "s" }, {}, 1000);
    assert.deepEqual(result, { action: "send" });
  });

  test("a core that cannot start fails every call at once, and is retried only after a while", async () => {
    FakeWorker.behaviour = "failed";
    const client = new CoreClient("core-worker.js", { retryAfterMs: 50 });
    await assert.rejects(client.start(), /BadZipFile/);
    await assert.rejects(client.call("protect", {}, {}, 1000), (error) => error.kind === "failed");
    assert.equal(FakeWorker.all.length, 1);
    await new Promise((resolve) => setTimeout(resolve, 60));
    FakeWorker.behaviour = "ready";
    const { result } = await client.call("protect", {}, {}, 1000);
    assert.deepEqual(result, { action: "send" });
    assert.equal(FakeWorker.all.length, 2);
  });

  test("a worker that dies fails the start", async () => {
    FakeWorker.behaviour = "silent";
    const client = new CoreClient("core-worker.js");
    const started = client.start();
    FakeWorker.all[0].onerror({ message: "SyntaxError in module", preventDefault() {} });
    await assert.rejects(started, /SyntaxError in module/);
    assert.equal(client.status().state, "failed");
  });

  test("a start that never finishes fails after the start-up limit", async () => {
    FakeWorker.behaviour = "silent";
    const client = new CoreClient("core-worker.js", { startupTimeoutMs: 20 });
    await assert.rejects(client.start(), /startup took too long/);
  });
});
