/** The kernels the wasm backend calls (src/backend/wasm*.ts); every pointer is a byte address in the shared memory. */
export { gemm, gemmScratchBytes } from './gemm';
export { conv2dRows, conv2dScratchBytes, flipFilter, conv2dFilterAdjoint, filterAdjointScratchBytes } from './conv';
export { avgPool2d, avgPool2dAdjoint } from './pool';
export { unary, binary, where, sumReduce, allFinite } from './elementwise';
