// Waiting for a condition a real process brings about: polls until the probe answers something,
// with a deadline that only stops a hang (never a timed assertion).
export async function until<T>(what: string, probe: () => Promise<T | undefined | null | false> | T | undefined | null | false, deadlineMs = 45_000, pollMs = 100): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (v !== undefined && v !== null && v !== false) return v;
    if (Date.now() > end) throw new Error(`gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, pollMs));
  }
}
