export * from './types';
export * from './log-storage';
export * from './core';
