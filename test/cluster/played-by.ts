/*
 * What every stand-in shares: the label on what they create, and their polling loop (each round
 * reads the API server and plays what the real controller would do). See stand-ins.ts.
 */

export interface StandIn {
  /** Stops polling and waits for the last round to finish. */
  stop(): Promise<void>;
}

/** Label on the objects a stand-in creates. */
export const PLAYED_BY = 'hobby-infra.dev/played-by';

/** Runs `round` every `every` ms until stopped; a failed round is logged, and the next one runs. */
export function poll(name: string, every: number, round: () => Promise<void>): StandIn {
  let stopped = false;
  let current: Promise<void> = Promise.resolve();
  const loop = async () => {
    while (!stopped) {
      current = round().catch((err) => console.warn(`[stand-in ${name}] ${(err as Error).message}`));
      await current;
      await new Promise((r) => setTimeout(r, every));
    }
  };
  void loop();
  return {
    async stop() {
      stopped = true;
      await current;
    },
  };
}
