/**
 * Runs `task` every `ms` without overlapping runs (a slow store must not pile
 * up sweeps). The timer is unref'd: only the HTTP server keeps the process alive.
 */
export function every(ms: number, task: () => Promise<void>, onError: (err: unknown) => void): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch(onError)
      .finally(() => {
        running = false;
      });
  }, ms).unref();
  return () => clearInterval(timer);
}
