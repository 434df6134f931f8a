export * from './config.js';
export * from './conventions.js';
export * from './random.js';
export * from './personas.js';
