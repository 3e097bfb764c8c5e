// misp-sim over the shared MISP events, with the oracle's own reading of the same files, for the
// specs that compare what the simulator answers with what MISP would hold: started before the
// tests of the file (or describe) that asks for it, stopped after them.
import { afterAll, beforeAll } from 'vitest';
import { readOracle, type OracleAttribute } from './oracle.js';
import type { SimProcess } from './sim-process.js';

export interface OracleSim {
  readonly sim: SimProcess;
  /** Every attribute of the simulator's data folder, deleted ones included. */
  readonly oracle: OracleAttribute[];
}

/** @param start starts the simulator (startMispSim, with the options the spec needs) */
export function useOracleSim(start: () => Promise<SimProcess>): OracleSim {
  let sim: SimProcess;
  let oracle: OracleAttribute[];

  beforeAll(async () => {
    sim = await start();
    oracle = readOracle(sim.dataDir);
  });
  afterAll(async () => {
    await sim.stop();
  });

  return {
    get sim() {
      return sim;
    },
    get oracle() {
      return oracle;
    },
  };
}
