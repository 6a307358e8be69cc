export * from './apply.js';
export * from './commands.js';
export * from './estimate.js';
export * from './lease.js';
export * from './numbering.js';
export * from './ordering.js';
export * from './service-date.js';
export * from './types.js';
