export * from './log';
export * from './end-with-process';
