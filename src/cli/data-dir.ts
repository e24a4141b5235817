import { homedir } from 'node:os';
import { join } from 'node:path';

export const defaultDataDir = () => process.env.KILN_DATA ?? join(homedir(), '.kiln');
