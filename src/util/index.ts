export * from './log';
export * from './end-with-process';
export * from './sh-quote';
