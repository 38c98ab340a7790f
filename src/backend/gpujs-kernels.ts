/**
 * gpu.js kernel sources for the hot primitives. Each call geometry gets its own kernel: the
 * geometry is baked in as constants (`$name` below stands for `this.constants.name`), the output
 * is one flat array, and every thread computes one output element by gathering its inputs, so
 * no thread writes where another reads.
 *
 * Sources are strings rather than functions so no TypeScript or test transform can rewrite them
 * before gpu.js parses them. Indices are decoded with a floor division followed by a one-step
 * correction, which stays exact where a backend divides in float32 (GL) and rounds a quotient up.
 */
import type { Conv2dGeometry, MatmulGeometry, Pool2dGeometry } from '../tensor/kernels/types.ts';

export interface KernelSource {
  /** The kernel function's source. */
  readonly source: string;
  readonly constants: Readonly<Record<string, number>>;
  /** Number of output elements. */
  readonly size: number;
  /** The longest loop, for backends that need a bound (GL). */
  readonly maxLoop: number;
}

function expand(src: string): string {
  return src.replace(/\$(\w+)/g, 'this.constants.$1');
}

/** `q = floor(r / d)`, `r = r mod d`, with r updated in place. */
function divmod(q: string, r: string, d: string): string {
  return `let ${q} = Math.floor(${r} / ${d});
  ${r} = ${r} - ${q} * ${d};
  if (${r} < 0) { ${q} = ${q} - 1; ${r} = ${r} + ${d}; }
  if (${r} >= ${d}) { ${q} = ${q} + 1; ${r} = ${r} - ${d}; }`;
}

function kernel(args: string, body: string, constants: Record<string, number>, size: number, maxLoop: number): KernelSource {
  return { source: expand(`function (${args}) {\n  ${body}\n}`), constants, size, maxLoop: Math.max(1, maxLoop) };
}

export function matmulSource(g: MatmulGeometry): KernelSource {
  const { batch, m, n, k, transA, transB, aBatchStride, bBatchStride } = g;
  const c = { mn: m * n, n, k, aBS: aBatchStride, bBS: bBatchStride, ars: transA ? 1 : k, acs: transA ? m : 1, brs: transB ? 1 : n, bcs: transB ? k : 1 };
  const batchDecode = batch > 1 ? `${divmod('bt', 'r', '$mn')}` : 'const bt = 0;';
  const body = `let r = this.thread.x;
  ${batchDecode}
  ${divmod('i', 'r', '$n')}
  let ai = bt * $aBS + i * $ars;
  let bi = bt * $bBS + r * $bcs;
  let s = 0;
  for (let p = 0; p < $k; p++) {
    s += a[ai] * b[bi];
    ai += $acs;
    bi += $brs;
  }
  return s;`;
  return kernel('a, b', body, c, batch * m * n, k);
}

function convConstants(g: Conv2dGeometry): Record<string, number> {
  return {
    n: g.n, c: g.c, o: g.o, h: g.h, w: g.w, kh: g.kh, kw: g.kw, sh: g.strideH, sw: g.strideW, pt: g.padTop, pl: g.padLeft,
    outH: g.outH, outW: g.outW, hw: g.h * g.w, khw: g.kh * g.kw, P: g.outH * g.outW,
  };
}

/** out [n, o, outH, outW] = conv2d(x [n, c, h, w], wt [o, c, kh, kw]). */
export function conv2dSource(g: Conv2dGeometry): KernelSource {
  const c = { ...convConstants(g), oP: g.o * g.outH * g.outW };
  const body = `let r = this.thread.x;
  ${divmod('nb', 'r', '$oP')}
  ${divmod('oc', 'r', '$P')}
  ${divmod('oy', 'r', '$outW')}
  const iy0 = oy * $sh - $pt;
  const ix0 = r * $sw - $pl;
  // the taps that land inside the image, so the inner loop needs no bounds tests
  const kyLo = Math.max(0, -iy0);
  const kyHi = Math.min($kh, $h - iy0);
  const kxLo = Math.max(0, -ix0);
  const kxHi = Math.min($kw, $w - ix0);
  let s = 0;
  for (let ic = 0; ic < $c; ic++) {
    const xb = (nb * $c + ic) * $hw + ix0;
    const wb = (oc * $c + ic) * $khw;
    for (let ky = kyLo; ky < kyHi; ky++) {
      const xr = xb + (iy0 + ky) * $w;
      const wr = wb + ky * $kw;
      for (let kx = kxLo; kx < kxHi; kx++) {
        s += x[xr + kx] * wt[wr + kx];
      }
    }
  }
  return s;`;
  return kernel('x, wt', body, c, g.n * g.o * g.outH * g.outW, Math.max(g.c, g.kh, g.kw));
}

/** out [n, c, h, w] = the adjoint of conv2d in its input, applied to y [n, o, outH, outW]. */
export function conv2dInputAdjointSource(g: Conv2dGeometry): KernelSource {
  const c = { ...convConstants(g), cHW: g.c * g.h * g.w };
  const decode = `let r = this.thread.x;
  ${divmod('nb', 'r', '$cHW')}
  ${divmod('ic', 'r', '$hw')}
  ${divmod('iy', 'r', '$w')}
  let s = 0;`;
  const maxLoop = Math.max(g.o, g.kh, g.kw);
  if (g.strideH === 1 && g.strideW === 1) {
    // stride 1: the taps reaching output pixels form one range per axis, so no tests in the loop
    const body = `${decode}
  const kyLo = Math.max(0, iy + $pt - $outH + 1);
  const kyHi = Math.min($kh, iy + $pt + 1);
  const kxLo = Math.max(0, r + $pl - $outW + 1);
  const kxHi = Math.min($kw, r + $pl + 1);
  for (let oc = 0; oc < $o; oc++) {
    const yb = (nb * $o + oc) * $P + r + $pl;
    const wb = (oc * $c + ic) * $khw;
    for (let ky = kyLo; ky < kyHi; ky++) {
      const yr = yb + (iy + $pt - ky) * $outW;
      const wr = wb + ky * $kw;
      for (let kx = kxLo; kx < kxHi; kx++) {
        s += y[yr - kx] * wt[wr + kx];
      }
    }
  }
  return s;`;
    return kernel('y, wt', body, c, g.n * g.c * g.h * g.w, maxLoop);
  }
  const body = `${decode}
  for (let oc = 0; oc < $o; oc++) {
    const yb = (nb * $o + oc) * $P;
    const wb = (oc * $c + ic) * $khw;
    for (let ky = 0; ky < $kh; ky++) {
      const ty = iy + $pt - ky;
      const oy = Math.floor(ty / $sh);
      if (ty >= 0 && oy * $sh === ty && oy < $outH) {
        for (let kx = 0; kx < $kw; kx++) {
          const tx = r + $pl - kx;
          const ox = Math.floor(tx / $sw);
          if (tx >= 0 && ox * $sw === tx && ox < $outW) {
            s += y[yb + oy * $outW + ox] * wt[wb + ky * $kw + kx];
          }
        }
      }
    }
  }
  return s;`;
  return kernel('y, wt', body, c, g.n * g.c * g.h * g.w, maxLoop);
}

/** out [o, c, kh, kw] = the adjoint of conv2d in its filter, applied to (x [n, c, h, w], y [n, o, outH, outW]). */
export function conv2dFilterAdjointSource(g: Conv2dGeometry): KernelSource {
  const c = { ...convConstants(g), cKK: g.c * g.kh * g.kw };
  // each thread's tap (ky, kx) reads x inside the image for one range of output rows and columns
  const body = `let r = this.thread.x;
  ${divmod('oc', 'r', '$cKK')}
  ${divmod('ic', 'r', '$khw')}
  ${divmod('ky', 'r', '$kw')}
  const oyLo = Math.max(0, Math.ceil(($pt - ky) / $sh));
  const oyHi = Math.min($outH, Math.floor(($h - 1 + $pt - ky) / $sh) + 1);
  const oxLo = Math.max(0, Math.ceil(($pl - r) / $sw));
  const oxHi = Math.min($outW, Math.floor(($w - 1 + $pl - r) / $sw) + 1);
  let s = 0;
  for (let nb = 0; nb < $n; nb++) {
    const xb = (nb * $c + ic) * $hw - $pl + r;
    const yb = (nb * $o + oc) * $P;
    for (let oy = oyLo; oy < oyHi; oy++) {
      const xr = xb + (oy * $sh - $pt + ky) * $w;
      const yr = yb + oy * $outW;
      for (let ox = oxLo; ox < oxHi; ox++) {
        s += y[yr + ox] * x[xr + ox * $sw];
      }
    }
  }
  return s;`;
  return kernel('x, y', body, c, g.o * g.c * g.kh * g.kw, Math.max(g.n, g.outH, g.outW));
}

function poolConstants(g: Pool2dGeometry): Record<string, number> {
  return {
    h: g.h, w: g.w, kh: g.kh, kw: g.kw, sh: g.strideH, sw: g.strideW, outH: g.outH, outW: g.outW,
    hw: g.h * g.w, P: g.outH * g.outW, inv: 1 / (g.kh * g.kw),
  };
}

/** out [n, c, outH, outW] = window means of x [n, c, h, w]. */
export function avgPool2dSource(g: Pool2dGeometry): KernelSource {
  const body = `let r = this.thread.x;
  ${divmod('plane', 'r', '$P')}
  ${divmod('oy', 'r', '$outW')}
  let base = plane * $hw + oy * $sh * $w + r * $sw;
  let s = 0;
  for (let ky = 0; ky < $kh; ky++) {
    for (let kx = 0; kx < $kw; kx++) {
      s += x[base + kx];
    }
    base += $w;
  }
  return s * $inv;`;
  return kernel('x', body, poolConstants(g), g.n * g.c * g.outH * g.outW, Math.max(g.kh, g.kw));
}

/** out [n, c, h, w] = the transpose of avgPool2d applied to y [n, c, outH, outW]. */
export function avgPool2dAdjointSource(g: Pool2dGeometry): KernelSource {
  const body = `let r = this.thread.x;
  ${divmod('plane', 'r', '$hw')}
  ${divmod('iy', 'r', '$w')}
  const yb = plane * $P;
  let s = 0;
  for (let ky = 0; ky < $kh; ky++) {
    const ty = iy - ky;
    const oy = Math.floor(ty / $sh);
    if (ty >= 0 && oy * $sh === ty && oy < $outH) {
      for (let kx = 0; kx < $kw; kx++) {
        const tx = r - kx;
        const ox = Math.floor(tx / $sw);
        if (tx >= 0 && ox * $sw === tx && ox < $outW) {
          s += y[yb + oy * $outW + ox];
        }
      }
    }
  }
  return s * $inv;`;
  return kernel('y', body, poolConstants(g), g.n * g.c * g.h * g.w, Math.max(g.kh, g.kw));
}

/**
 * Elementwise unary bodies on `v`. sigmoid takes the stable branch for negative inputs; elu uses
 * a Taylor polynomial of expm1 near zero (exp(v) − 1 cancels there, and GL has no expm1).
 */
export const UNARY_BODIES: Readonly<Record<string, string>> = {
  neg: 'return -v;',
  exp: 'return Math.exp(v);',
  square: 'return v * v;',
  relu: 'if (v > 0) { return v; }\n  return 0;',
  tanh: 'return Math.tanh(v);',
  sigmoid: 'if (v >= 0) { return 1 / (1 + Math.exp(-v)); }\n  const e = Math.exp(v);\n  return e / (1 + e);',
  elu: `if (v > 0) { return v; }
  if (v > -0.5) {
    return v * (1 + v * (0.5 + v * (0.16666666666666666 + v * (0.041666666666666664 + v * (0.008333333333333333 + v * (0.001388888888888889 + v * (0.0001984126984126984 + v * 0.0000248015873015873)))))));
  }
  return Math.exp(v) - 1;`,
};

export function unarySource(op: string, size: number): KernelSource {
  const body = UNARY_BODIES[op];
  if (body === undefined) throw new Error(`no gpu.js body for unary op ${op}`);
  return kernel('x', `const v = x[this.thread.x];\n  ${body}`, {}, size, 1);
}

export const BINARY_OPS: Readonly<Record<string, string>> = { add: '+', sub: '-', mul: '*', div: '/' };

/** Row-major strides of `shape` as seen from `outShape` (0 along broadcast axes). */
function broadcastStrides(shape: readonly number[], outShape: readonly number[]): number[] {
  const rank = outShape.length;
  const strides = new Array<number>(rank).fill(0);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    const axis = rank - shape.length + i;
    strides[axis] = shape[i] === 1 && outShape[axis] !== 1 ? 0 : step;
    step *= shape[i]!;
  }
  return strides;
}

/** out = a ∘ b with NumPy broadcasting; each operand's index is rebuilt from the output coordinates. */
export function binarySource(op: string, aShape: readonly number[], bShape: readonly number[], outShape: readonly number[]): KernelSource {
  const sym = BINARY_OPS[op];
  if (sym === undefined) throw new Error(`no gpu.js body for binary op ${op}`);
  const size = outShape.reduce((p, d) => p * d, 1);
  const sameA = aShape.length === outShape.length && aShape.every((d, i) => d === outShape[i]);
  const sameB = bShape.length === outShape.length && bShape.every((d, i) => d === outShape[i]);
  if (sameA && sameB) return kernel('a, b', `const i = this.thread.x;\n  return a[i] ${sym} b[i];`, {}, size, 1);
  const sa = broadcastStrides(aShape, outShape);
  const sb = broadcastStrides(bShape, outShape);
  const constants: Record<string, number> = {};
  const lines = ['let r = this.thread.x;', 'let ai = 0;', 'let bi = 0;'];
  let rest = size;
  for (let axis = 0; axis < outShape.length; axis++) {
    rest /= outShape[axis]!;
    const coord = `c${axis}`;
    if (axis === outShape.length - 1) lines.push(`const ${coord} = r;`);
    else {
      constants[`d${axis}`] = rest;
      lines.push(divmod(coord, 'r', `$d${axis}`));
    }
    if (sa[axis]) {
      constants[`a${axis}`] = sa[axis]!;
      lines.push(`ai += ${coord} * $a${axis};`);
    }
    if (sb[axis]) {
      constants[`b${axis}`] = sb[axis]!;
      lines.push(`bi += ${coord} * $b${axis};`);
    }
  }
  lines.push(`return a[ai] ${sym} b[bi];`);
  return kernel('a, b', lines.join('\n  '), constants, size, 1);
}
