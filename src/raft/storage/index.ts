export { crc32c } from './crc32c';
export { WalCorruptError, FatalStorageError } from './errors';
export { WalStorage, type WalStorageOptions, type PersistBatch } from './wal-storage';
export * from './codec';
