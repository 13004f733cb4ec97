// The medseal core in a module worker: Pyodide starts here once, when the background page starts it, and
// answers analyse/protect requests. A worker (not the background page itself) so that a check that runs too
// long can really be stopped: the page terminates the worker and starts a fresh one (fail closed meanwhile).
// Pyodide 314 refuses classic workers; this one is created with {type: "module"}.

const RUNTIME_URL = new URL("runtime/", import.meta.url).href;

// Once ready, one protect of a made-up message (the project's fictitious example number, a throwaway key)
// loads the envelope, PDF and crypto code and warms the engine, so that the user's first send is as fast as
// the next ones. A send that arrives meanwhile simply waits for it.
const WARM_UP_SNAPSHOT = {
  version: 1, subject: "", from: "", to: ["warm-up@example.invalid"], cc: [], bcc: [],
  body: { text: "85.07.30-033.28", html: null }, attachments: [], language: "en",
}; // prettier-ignore
const WARM_UP_SETTINGS = { practiceKey: btoa("\0".repeat(32)), language: "en" };

let core = null;
let service = null; // medseal.service as a Python module, for its plain-JSON helpers (service_json)

async function start() {
  const started = performance.now();
  try {
    core = await import(new URL("medseal-core.js", RUNTIME_URL).href);
    const { times, pyodide } = await core.initCore(RUNTIME_URL, { stdout: () => {}, stderr: () => {} });
    service = pyodide.pyimport("medseal.service");
    postMessage({ type: "ready", times: { ...times, total: performance.now() - started } });
  } catch (error) {
    core = null;
    postMessage({ type: "failed", error: firstLine(error) });
    return;
  }
  const warming = performance.now();
  try {
    await core.protect(WARM_UP_SNAPSHOT, WARM_UP_SETTINGS);
  } catch {
    // a real send will report the problem
  }
  postMessage({ type: "warm", ms: performance.now() - warming });
}

function firstLine(error) {
  const text = String((error && (error.message || error)) || "unknown error");
  const lines = text.split("\n").map((line) => line.trim()).filter(Boolean);
  // Python tracebacks end with the exception line; JS errors start with it.
  const line = text.includes("Traceback") ? lines[lines.length - 1] : lines[0];
  return (line || "unknown error").slice(0, 200);
}

onmessage = async ({ data }) => {
  const { id, op, snapshot, settings } = data;
  const started = performance.now();
  try {
    if (!core) throw new Error("core not started");
    let result;
    if (op === "service") {
      // key export/import and the access-code report: the core's own code, never a JavaScript copy of it
      result = JSON.parse(service.service_json(data.name, JSON.stringify(data.args || [])));
    } else {
      result = op === "protect" ? await core.protect(snapshot, settings) : await core.analyse(snapshot, settings);
    }
    postMessage({ type: "result", id, result, ms: performance.now() - started });
  } catch (error) {
    // Only the runtime itself can fail here (medseal.service never raises): report the error's kind only,
    // never a message that could quote the content being checked.
    postMessage({ type: "error", id, error: (error && error.name) || "Error" });
  }
};

start();
