// The medseal core in Pyodide: start it once, then call medseal.service with JSON.
//
// Works in a Thunderbird background page or module worker (moz-extension:// URLs; it only uses fetch,
// import(), import.meta.url, performance, setTimeout and crypto.getRandomValues: no DOM) and under Node
// (file:// URLs, used by the tests). Everything it loads lies in the staged runtime directory (see
// plugins/thunderbird/pyodide_runtime.py):
//
//   <runtime>/medseal-core.js     this file
//   <runtime>/medseal-noble.js    the crypto primitives, registered in Python as the module `medseal_noble`
//   <runtime>/noble/...           @noble/ciphers and @noble/hashes (ESM, relative imports)
//   <runtime>/pyodide/...         pyodide.mjs, pyodide.asm.mjs, pyodide.asm.wasm, python_stdlib.zip, lock file
//   <runtime>/wheels/*.whl        the core and its pure-Python dependencies
//   <runtime>/runtime.json        what was staged, the wheels to install among it
//
// Usage:
//   import { initCore, analyse, protect, catalogue } from "./runtime/medseal-core.js";
//   await initCore();                       // once, at start-up (≈ 3–5 s); later calls return the same promise
//   const changeSet = await analyse(snapshot, settings);   // plain objects in and out (the JSON contract)
//   await whenWarm();                       // optional: the background warm-up that follows initCore is over
//
// analyse/protect/catalogue reject only if the runtime itself is broken (Pyodide did not start, Python
// crashed); medseal.service reports every other problem inside the change set. The caller fails closed.

import * as noble from "./medseal-noble.js";

const GLUE_PY = `
import base64, importlib, io, json

def call(name, *encoded):
    """medseal.service.<name> with UTF-8 JSON bytes in and a JSON string out (analyse_json/protect_json are
    its own bridge). The arguments arrive as Uint8Array: a JS string would be copied into Python character by
    character by JavaScript code, which Thunderbird without its baseline JIT runs in the interpreter."""
    args = [arg.to_bytes().decode("utf-8") for arg in encoded]
    service = importlib.import_module("medseal.service")
    if name in ("analyse", "protect"):
        return getattr(service, f"{name}_json")(*args)
    return json.dumps(getattr(service, name)(*(json.loads(arg) for arg in args)))

def warm_up():
    """Protect a small fictitious message once: loads every module and lets the JS engine compile noble."""
    from pypdf import PdfWriter
    from medseal import service
    writer = PdfWriter()
    writer.add_blank_page(200, 200)
    pdf = io.BytesIO()
    writer.write(pdf)
    snapshot = {
        "version": 1, "subject": "warm-up 85073003328", "from": "a@warm-up.invalid", "to": ["b@warm-up.invalid"],
        "cc": [], "bcc": [], "body": {"text": "warm-up 85.07.30-033.28", "html": None}, "language": "en",
        "attachments": [{"id": "w", "name": "w.pdf", "contentType": "application/pdf",
                         "dataBase64": base64.b64encode(pdf.getvalue()).decode("ascii")}],
    }
    settings = {"practiceKey": base64.b64encode(bytes(32)).decode("ascii"), "language": "en"}
    service.analyse(snapshot, settings)
    return service.protect(snapshot, settings)["action"]
`;

let started = null;
let state = null;
let warmed = null;

function asDirURL(indexURL) {
  const url = new URL(indexURL ?? "./", import.meta.url);
  if (!url.pathname.endsWith("/")) url.pathname += "/";
  return url;
}

function filePath(url) {
  return decodeURIComponent(url.pathname);
}

async function readBytes(url) {
  if (url.protocol === "file:") {
    const fs = await import("node:fs/promises");
    return new Uint8Array(await fs.readFile(filePath(url)));
  }
  const response = await fetch(url);
  if (!response.ok) throw new Error(`medseal runtime: cannot load ${url.pathname} (${response.status})`);
  return new Uint8Array(await response.arrayBuffer());
}

async function readJSON(url) {
  return JSON.parse(new TextDecoder().decode(await readBytes(url)));
}

/** Install wheels (bytes) into Pyodide's site-packages (not the working directory); also for test harnesses. */
export function installWheels(pyodide, wheels) {
  const sitePackages = pyodide.runPython("import sysconfig; sysconfig.get_path('purelib')");
  for (const bytes of wheels) pyodide.unpackArchive(bytes, "wheel", { extractDir: sitePackages });
  pyodide.runPython("import importlib; importlib.invalidate_caches()");
}

async function start(indexURL, options) {
  const base = asDirURL(indexURL);
  const times = {};
  let t = performance.now();
  const pyodideURL = new URL("pyodide/", base);
  const { loadPyodide } = await import(new URL("pyodide.mjs", pyodideURL).href);
  const pyodide = await loadPyodide({
    indexURL: pyodideURL.protocol === "file:" ? filePath(pyodideURL) : pyodideURL.href,
    stdout: options.stdout,
    stderr: options.stderr,
  });
  times.pyodide = performance.now() - t;

  t = performance.now();
  const manifest = await readJSON(new URL("runtime.json", base));
  const wheelsURL = new URL("wheels/", base);
  const wheels = await Promise.all(manifest.wheels.map((w) => readBytes(new URL(w.file, wheelsURL))));
  installWheels(pyodide, wheels);
  pyodide.registerJsModule("medseal_noble", { ...noble });
  times.wheels = performance.now() - t;

  t = performance.now();
  const ns = pyodide.globals.get("dict")();
  pyodide.runPython(GLUE_PY, { globals: ns });
  const call = ns.get("call");
  const warmUp = ns.get("warm_up");
  ns.destroy();
  pyodide.runPython("import medseal.crypto.backend");
  if (options.service !== false) pyodide.runPython("import medseal.service");
  times.import = performance.now() - t;
  state = { pyodide, call, manifest, times };

  const mode = options.service === false ? "none" : (options.warmUp ?? "background");
  const runWarmUp = () => {
    const w = performance.now();
    try {
      times.warmUpAction = warmUp();
    } catch (error) {
      times.warmUpError = String(error?.message ?? error).split("\n").filter(Boolean).pop();
    }
    times.warm = performance.now() - w;
    return times.warm;
  };
  if (mode === "wait") warmed = Promise.resolve(runWarmUp());
  else if (mode === "background") warmed = new Promise((resolve) => setTimeout(() => resolve(runWarmUp()), 0));
  else warmed = Promise.resolve(0);
  return state;
}

/**
 * Start Pyodide and load the core (once; later calls return the same promise).
 *
 * indexURL: the staged runtime directory (default: the directory of this file).
 * options.stdout / options.stderr: line callbacks for Python's output (default: the console).
 * options.service: false to skip importing medseal.service and the warm-up (test harnesses only).
 * options.warmUp: "background" (default): right after resolving, protect a small fictitious message so that
 *   every module is loaded and the JS engine has compiled noble before the first real send (a first protect is
 *   otherwise several times slower); a call that arrives while it runs waits for it (one thread).
 *   "wait": warm up before resolving. false: never.
 * Resolves to { pyodide, manifest, times } with times in ms: pyodide, wheels, import (and later warm).
 */
export function initCore(indexURL, options = {}) {
  if (started === null) {
    started = start(indexURL, options).catch((error) => {
      started = null;
      throw error;
    });
  }
  return started.then(({ pyodide, manifest, times }) => ({ pyodide, manifest, times }));
}

/** Resolves (to its duration in ms) once the warm-up of initCore is over. */
export function whenWarm() {
  if (warmed === null) throw new Error("medseal core not started: await initCore() first");
  return warmed;
}

function ready() {
  if (state === null) throw new Error("medseal core not started: await initCore() first");
  return state;
}

async function callService(name, ...args) {
  const { call } = ready();
  const encoder = new TextEncoder();
  return JSON.parse(call(name, ...args.map((arg) => encoder.encode(JSON.stringify(arg)))));
}

/** medseal.service.analyse: the change set preview for a compose snapshot (no encryption done). */
export function analyse(snapshot, settings) {
  return callService("analyse", snapshot, settings);
}

/** medseal.service.protect: the full change set, encrypted attachments included. */
export function protect(snapshot, settings) {
  return callService("protect", snapshot, settings);
}

/** medseal.service.catalogue: every UI string of one language. */
export function catalogue(language) {
  return callService("catalogue", language);
}
