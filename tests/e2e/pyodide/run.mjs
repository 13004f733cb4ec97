// Run Python inside Pyodide under Node, with the medseal core loaded from a staged runtime directory
// through the extension's own loader (medseal-core.js).
//
//   node run.mjs JOB.json
//
// JOB.json (written by tests/e2e/test_pyodide.py):
//   runtime      the staged runtime directory (plugins/thunderbird/pyodide_runtime.py)
//   out          where to write the report: {exit, result, error, times, rssMB, analyseMs, changeSet}
//                times (ms): pyodide, wheels, import, total (initCore until ready), warm (the warm-up after)
//   service      false to start the core without importing medseal.service
//   wheels       extra wheel files to install after the core (test only: pytest, hypothesis, ...)
//   copy         [{from: host dir, to: Pyodide path, exclude: [names]}] trees copied into Pyodide's memory FS
//   cwd, env     working directory (also put first on sys.path) and environment variables for Python
//   script       Python source; it may set RESULT (JSON-able) and EXIT (int)
//   analyse      optional {snapshot, settings, repeat}: timed calls of analyse() from medseal-core.js
// The process exits with EXIT (0 by default), 70 if the script raised, 71 if the core did not start.

import { readFile, readdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";

const job = JSON.parse(await readFile(process.argv[2], "utf8"));
const report = { exit: 0, result: null, error: null, times: null, rssMB: {}, analyseMs: null };

function message(error) {
  // Never let Node print the minified line an error came from (megabytes of pyodide.asm.mjs).
  return String(error?.message ?? error);
}

async function copyTree(pyodide, from, to, exclude = []) {
  pyodide.FS.mkdirTree(to);
  for (const entry of await readdir(from, { withFileTypes: true })) {
    if (entry.name === "__pycache__" || entry.name.startsWith(".") || exclude.includes(entry.name)) continue;
    const source = join(from, entry.name);
    if (entry.isDirectory()) await copyTree(pyodide, source, `${to}/${entry.name}`);
    else if (entry.isFile()) pyodide.FS.writeFile(`${to}/${entry.name}`, await readFile(source));
  }
}

async function start() {
  const runtimeURL = pathToFileURL(job.runtime.endsWith("/") ? job.runtime : `${job.runtime}/`);
  const core = await import(new URL("medseal-core.js", runtimeURL).href);
  const t0 = performance.now();
  const { pyodide, times } = await core.initCore(runtimeURL, { service: job.service !== false });
  const ready = performance.now() - t0;
  report.rssMB.ready = process.memoryUsage().rss / 2 ** 20;
  await core.whenWarm();
  report.times = { ...times, total: ready };
  return { core, pyodide };
}

async function runScript(core, pyodide) {
  const extra = await Promise.all((job.wheels ?? []).map(async (w) => new Uint8Array(await readFile(w))));
  core.installWheels(pyodide, extra);
  for (const { from, to, exclude } of job.copy ?? []) await copyTree(pyodide, from, to, exclude);
  const ns = pyodide.globals.get("dict")();
  ns.set("_job", JSON.stringify({ env: job.env ?? {}, cwd: job.cwd ?? null }));
  pyodide.runPython(
    `import json as _json, os as _os, sys as _sys
_setup = _json.loads(_job)
_os.environ.update(_setup["env"])
if _setup["cwd"]:
    _os.makedirs(_setup["cwd"], exist_ok=True)
    _os.chdir(_setup["cwd"])
    _sys.path.insert(0, _setup["cwd"])`,
    { globals: ns },
  );
  await pyodide.runPythonAsync(job.script ?? "", { globals: ns });
  report.exit = ns.has("EXIT") ? Number(ns.get("EXIT")) : 0;
  if (ns.has("RESULT")) report.result = JSON.parse(pyodide.runPython("_json.dumps(RESULT)", { globals: ns }));
  ns.destroy();
}

async function timeAnalyse(core) {
  report.analyseMs = [];
  for (let i = 0; i < (job.analyse.repeat ?? 3); i += 1) {
    const t = performance.now();
    report.changeSet = await core.analyse(job.analyse.snapshot, job.analyse.settings);
    report.analyseMs.push(performance.now() - t);
  }
}

let started = null;
try {
  started = await start();
} catch (error) {
  report.exit = 71;
  report.error = `medseal core did not start: ${message(error)}`;
}
if (started) {
  try {
    await runScript(started.core, started.pyodide);
    if (job.analyse) await timeAnalyse(started.core);
  } catch (error) {
    report.exit = 70;
    report.error = message(error);
  }
  report.rssMB.end = process.memoryUsage().rss / 2 ** 20;
}
if (report.error) console.error(report.error);
if (job.out) await writeFile(job.out, JSON.stringify(report));
process.exit(report.exit);
