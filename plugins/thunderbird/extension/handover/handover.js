// After an automatic send: the password to hand over to the recipient through another channel. After a send
// that failed, the password of the protected message still in its window: it stays available (reloading
// this window shows it again) until the user says they noted it.

import { localise, translator } from "../lib/i18n.js";

const $ = (id) => document.getElementById(id);

async function main() {
  const id = Number(new URLSearchParams(location.search).get("id"));
  const { handover, language } = await browser.runtime.sendMessage({ type: "handover", id });
  const t = await translator(language);
  localise(document, t);
  document.documentElement.lang = language;
  $("close").addEventListener("click", () => window.close());
  if (!handover) return window.close();
  $("password").textContent = handover.password;
  const sent = handover.sent !== false;
  $("sent").hidden = !sent;
  $("unsent").hidden = sent;
  $("dismiss").hidden = sent;
  $("dismiss").addEventListener("click", async () => {
    await browser.runtime.sendMessage({ type: "handover.dismiss", id });
    window.close();
  });
  $("subject").textContent = handover.subject || "";
  $("recipients").textContent = `${t("ui.recipients")}: ${handover.recipients.join(", ")}`;
  $("copy").addEventListener("click", async () => {
    await navigator.clipboard.writeText(handover.password);
    $("copy").textContent = t("ui.copied");
  });
}

main();
