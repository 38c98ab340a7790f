/** The report layer with files (Node): index.ts, and writeReport / readReport. */
export * from './index.ts';
export { writeReport, readReport } from './files.ts';
