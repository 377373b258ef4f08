/** Types and helpers shared by gateways, the engine and machines (no I/O besides the codec). */
export * from './actor.js';
export * from './partition.js';
export * from './subjects.js';
export * from './effects.js';
export * from './channels.js';
export * from './rich.js';
