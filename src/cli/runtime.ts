import { type Config, loadConfig } from '../core/config.js';
import { SecretBox } from '../core/crypto.js';
import { resolveSecretKey } from '../core/secret-key.js';
import { lockDataDir } from '../store/data-lock.js';
import type { Db } from '../store/db.js';
import { type Migration, migrate } from '../store/migrate.js';
import { openDb } from '../store/open.js';

/** An opened store with its configuration, for one CLI command. */
export interface Runtime {
  config: Config;
  db: Db;
  box: SecretBox;
  /** Migrations applied while opening. */
  applied: Migration[];
  close(): Promise<void>;
}

/** Loads config, locks the data folder (PGlite), opens the store and applies migrations. */
export async function openRuntime(env: NodeJS.ProcessEnv = process.env): Promise<Runtime> {
  const config = loadConfig(env);
  const release = config.databaseUrl === undefined ? lockDataDir(config.dataDir) : () => undefined;
  try {
    const box = new SecretBox(resolveSecretKey(config.secretKey, config.dataDir));
    const db = await openDb(config);
    const applied = await migrate(db);
    return {
      config,
      db,
      box,
      applied,
      close: async () => {
        await db.close();
        release();
      },
    };
  } catch (err) {
    release();
    throw err;
  }
}
