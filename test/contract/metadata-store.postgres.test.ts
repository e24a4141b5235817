import { postgresStorages } from '../support/metadata-storage.ts';
import { describeMetadataStoreContract } from './metadata-store.contract.ts';

describeMetadataStoreContract('postgres', postgresStorages('kiln_test'));
