// Whether testcontainers finds a Docker engine: the specs that need one skip without it, and say why.

/** Null when a Docker engine answers, else the first line of why not. */
export async function dockerUnavailable(): Promise<string | null> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return null;
  } catch (err) {
    return err instanceof Error ? err.message.split('\n')[0]! : String(err);
  }
}
