// Test driver: fetches jobs from the test's HTTP server on loopback, composes and sends them through the
// compose API (so that medseal's onBeforeSend guard runs exactly as for a user), and reports the outcome.
// It also relays the password handovers medseal pushes to it (managed setting handoverExtensionId).

const MEDSEAL_ID = "medseal@medseal.invalid";
let server = null;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function bytes(base64) {
  const binary = atob(base64);
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

async function post(path, body) {
  await fetch(new URL(path, server), {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify(body),
  });
}

async function discard(tab) {
  try {
    await messenger.compose.setComposeDetails(tab.id, { isModified: false });
    await browser.windows.remove(tab.windowId);
  } catch (error) {
    await post("/log", { message: `discard failed: ${error}` });
  }
}

async function windows() {
  const all = await browser.windows.getAll({ populate: true });
  return all.map((w) => ({ id: w.id, type: w.type, urls: (w.tabs || []).map((t) => t.url || "") }));
}

async function send(job) {
  const started = performance.now();
  const tab = await messenger.compose.beginNew(job.details);
  for (const attachment of job.attachments || []) {
    const file = new File([bytes(attachment.dataBase64)], attachment.name, { type: attachment.contentType });
    await messenger.compose.addAttachment(tab.id, { file, name: attachment.name });
  }
  const composed = performance.now();
  try {
    const sending = messenger.compose.sendMessage(tab.id, { mode: "sendNow" });
    // A failed send may leave Thunderbird's error prompt open (headless: nobody clicks it) and the promise
    // pending: after sendTimeoutMs the job reports that, with the tab, so the test can look at what is left.
    const limit = job.sendTimeoutMs ? sleep(job.sendTimeoutMs).then(() => ({ pending: true })) : new Promise(() => {});
    const result = await Promise.race([sending, limit]);
    if (result.pending) return { ok: false, error: "send still pending", pending: true, tabId: tab.id };
    return { ok: true, sendMs: performance.now() - composed, totalMs: performance.now() - started,
             headerMessageId: result.headerMessageId || "" };
  } catch (error) {
    const outcome = { ok: false, error: String(error), sendMs: performance.now() - composed };
    if (job.keepOpen) outcome.tabId = tab.id;
    else await discard(tab);
    return outcome;
  }
}

/** Send a compose tab again (a message kept open after a failed send). */
async function resend(job) {
  try {
    const result = await messenger.compose.sendMessage(job.tabId, { mode: "sendNow" });
    return { ok: true, headerMessageId: result.headerMessageId || "" };
  } catch (error) {
    return { ok: false, error: String(error) };
  }
}

async function run(job) {
  try {
    if (job.kind === "windows") return { ok: true, windows: await windows() };
    if (job.kind === "unsent") {
      // as the administrator's handover extension: the passwords of protected messages that did not go
      return { ok: true, ...(await browser.runtime.sendMessage(MEDSEAL_ID, { type: "medseal.unsent" })) };
    }
    if (job.kind === "resend") return await resend(job);
    if (job.kind === "inspect") {
      const details = await messenger.compose.getComposeDetails(job.tabId);
      const attachments = (await messenger.compose.listAttachments(job.tabId)).map((a) => a.name);
      return { ok: true, subject: details.subject, attachments };
    }
    return await send(job);
  } catch (error) {
    return { ok: false, error: `driver: ${error}` };
  }
}

browser.runtime.onMessageExternal.addListener((message, sender) => {
  if (sender.id === MEDSEAL_ID && message && message.type === "medseal.handover") {
    return post("/handover", message).then(() => true);
  }
  return undefined;
});

async function main() {
  server = (await browser.storage.managed.get()).jobServer;
  await post("/hello", { at: performance.now() });
  for (;;) {
    let response;
    try {
      response = await fetch(new URL("/job", server));
    } catch {
      await sleep(500);
      continue;
    }
    if (response.status !== 200) {
      await sleep(100);
      continue;
    }
    const job = await response.json();
    await post("/result", { id: job.id, ...(await run(job)) });
  }
}

main();
