/** The neural-network layer with checkpoints on disk (Node). */
export * from './index.ts';
export { saveCheckpoint, loadCheckpoint, readCheckpointHeader } from './checkpoint-file.ts';
