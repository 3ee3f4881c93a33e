export * from './types';
export * from './log-storage';
export * from './core';
export * from './storage';
export * from './transport';
export * from './node';
