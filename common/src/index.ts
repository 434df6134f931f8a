export * from './config.js';
export * from './conventions.js';
