import { randomUUID } from 'node:crypto';

export const newGuid = (): string => randomUUID();
