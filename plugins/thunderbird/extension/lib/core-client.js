// The background page's handle on the core worker: start once, call with a time limit, restart after a
// failure or a timeout. Every failure becomes an exception the caller turns into a blocked send.

export class CoreFailure extends Error {
  /** kind: "failed" (the core could not start or crashed) or "timeout". */
  constructor(kind, detail = "") {
    super(`${kind}${detail ? `: ${detail}` : ""}`);
    this.kind = kind;
    this.detail = detail;
  }
}

export class CoreClient {
  constructor(workerURL, { startupTimeoutMs = 90000, retryAfterMs = 60000 } = {}) {
    this.workerURL = workerURL;
    this.startupTimeoutMs = startupTimeoutMs;
    this.retryAfterMs = retryAfterMs;
    this.failedAt = -Infinity;
    this.worker = null;
    this.pending = new Map();
    this.nextId = 1;
    this.state = "stopped";
    this.error = "";
    this.times = null;
    this.readyAt = null;
  }

  /** Start the worker (again); resolves when the core is ready, rejects with CoreFailure otherwise. */
  start() {
    this.stop();
    const startedAt = performance.now();
    this.state = "starting";
    const worker = new Worker(this.workerURL, { type: "module" });
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      const timer = setTimeout(() => fail("startup took too long"), this.startupTimeoutMs);
      const fail = (detail) => {
        clearTimeout(timer);
        if (this.worker !== worker) return;
        this.state = "failed";
        this.error = detail;
        this.failedAt = performance.now();
        this.stop("failed");
        reject(new CoreFailure("failed", detail));
      };
      worker.onerror = (event) => {
        event.preventDefault?.();
        fail(event.message || "worker error");
      };
      worker.onmessage = ({ data }) => {
        if (data.type === "ready") {
          clearTimeout(timer);
          this.state = "ready";
          this.times = { ...data.times, sinceStart: performance.now() - startedAt };
          this.readyAt = performance.now();
          resolve(this.times);
        } else if (data.type === "warm") {
          this.times = { ...this.times, warmUp: data.ms };
          this.onWarm?.(data.ms);
        } else if (data.type === "failed") {
          fail(data.error);
        } else {
          this.settle(data);
        }
      };
    });
    this.ready.catch(() => {});
    return this.ready;
  }

  stop(state = "stopped") {
    if (this.worker) this.worker.terminate();
    this.worker = null;
    for (const { reject } of this.pending.values()) reject(new CoreFailure("failed", "core stopped"));
    this.pending.clear();
    this.state = state;
  }

  settle(data) {
    const entry = this.pending.get(data.id);
    if (!entry) return;
    this.pending.delete(data.id);
    if (data.type === "result") entry.resolve({ result: data.result, ms: data.ms });
    else entry.reject(new CoreFailure("failed", data.error));
  }

  /**
   * Run medseal.service.<op> (analyse | protect). Waits for a starting core; a core that failed to start is
   * tried again at most once a minute (a broken install fails at once instead of after every start-up).
   * Rejects with CoreFailure("timeout") after timeoutMs (the worker is then replaced).
   */
  async call(op, snapshot, settings, timeoutMs) {
    return this.request({ op, snapshot, settings }, timeoutMs);
  }

  /** medseal.service.<name>(...args) through its JSON bridge (key export/import, access-code report). */
  async service(name, args, timeoutMs) {
    const { result } = await this.request({ op: "service", name, args }, timeoutMs);
    return result;
  }

  async request(message, timeoutMs) {
    if (this.state === "failed" && performance.now() - this.failedAt < this.retryAfterMs) {
      throw new CoreFailure("failed", this.error);
    }
    if (this.state === "failed" || this.state === "stopped") this.start();
    await this.ready;
    const id = this.nextId++;
    const worker = this.worker;
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(id);
        reject(new CoreFailure("timeout"));
        this.start(); // a stuck Python cannot be interrupted: replace the worker
      }, timeoutMs);
      this.pending.set(id, {
        resolve: (value) => (clearTimeout(timer), resolve(value)),
        reject: (error) => (clearTimeout(timer), reject(error)),
      });
      worker.postMessage({ ...message, id });
    });
  }

  status() {
    return { state: this.state, error: this.error, times: this.times };
  }
}
