/*
 * Average pooling over kh×kw windows with strides (no padding; windows that would overrun are
 * dropped) and its exact transpose, over `planes` consecutive [h, wd] planes. 2×2 windows with
 * stride 2 (the paper CNN's) run four output pixels per step: two rows of eight inputs, summed
 * down the columns, then pairwise across them with shuffles. Values are scaled by 1/(kh·kw)
 * before they are summed: in f32 (the reference sums in f64) a sum of large finite values
 * could otherwise overflow where the mean does not.
 */

/** out [planes, outH, outW] = the window means of x [planes, h, wd]. */
export function avgPool2d(
  x: usize, out: usize, planes: i32, h: i32, wd: i32, kh: i32, kw: i32, sh: i32, sw: i32, outH: i32, outW: i32,
): void {
  const inv: f32 = <f32>1 / <f32>(kh * kw);
  const pairs = kh == 2 && kw == 2 && sh == 2 && sw == 2;
  const vinv = f32x4.splat(inv), zero = f32x4.splat(0);
  for (let p = 0; p < planes; p++) {
    const xp = x + ((<usize>p * <usize>(h * wd)) << 2);
    const op = out + ((<usize>p * <usize>(outH * outW)) << 2);
    for (let oy = 0; oy < outH; oy++) {
      const row = xp + ((<usize>(oy * sh) * <usize>wd) << 2);
      const o = op + ((<usize>oy * <usize>outW) << 2);
      let ox = 0;
      if (pairs) {
        const below = row + (<usize>wd << 2);
        for (; ox + 4 <= outW; ox += 4) {
          const at = <usize>(ox * 2) << 2;
          // scaled before they are summed, so that four finite values never overflow
          const a = f32x4.add(f32x4.mul(v128.load(row + at), vinv), f32x4.mul(v128.load(below + at), vinv));
          const b = f32x4.add(f32x4.mul(v128.load(row + at, 16), vinv), f32x4.mul(v128.load(below + at, 16), vinv));
          const s = f32x4.add(v128.shuffle<f32>(a, b, 0, 2, 4, 6), v128.shuffle<f32>(a, b, 1, 3, 5, 7));
          // + 0 turns a sum of −0s into +0, as the reference's sum, which starts at +0, does
          v128.store(o + (<usize>ox << 2), f32x4.add(s, zero));
        }
      }
      for (; ox < outW; ox++) {
        let s: f32 = 0;
        let r = row + (<usize>(ox * sw) << 2);
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) s += load<f32>(r + (<usize>kx << 2)) * inv;
          r += <usize>wd << 2;
        }
        store<f32>(o + (<usize>ox << 2), s);
      }
    }
  }
}

/** out [planes, h, wd] = the transpose of avgPool2d applied to y [planes, outH, outW] (0 where no window reaches). */
export function avgPool2dAdjoint(
  y: usize, out: usize, planes: i32, h: i32, wd: i32, kh: i32, kw: i32, sh: i32, sw: i32, outH: i32, outW: i32,
): void {
  const inv: f32 = <f32>1 / <f32>(kh * kw);
  const pairs = kh == 2 && kw == 2 && sh == 2 && sw == 2;
  const vinv = f32x4.splat(inv), zero = f32x4.splat(0);
  memory.fill(out, 0, (<usize>planes * <usize>(h * wd)) << 2);
  for (let p = 0; p < planes; p++) {
    const yp = y + ((<usize>p * <usize>(outH * outW)) << 2);
    const op = out + ((<usize>p * <usize>(h * wd)) << 2);
    for (let oy = 0; oy < outH; oy++) {
      const yRow = yp + ((<usize>oy * <usize>outW) << 2);
      const row = op + ((<usize>(oy * sh) * <usize>wd) << 2);
      let ox = 0;
      if (pairs) {
        // disjoint windows: each input receives exactly one value, so it is stored, not added
        const below = row + (<usize>wd << 2);
        for (; ox + 4 <= outW; ox += 4) {
          // 0 + v, as the reference's accumulation into a zeroed output gives (−0 becomes +0)
          const v = f32x4.add(zero, f32x4.mul(v128.load(yRow + (<usize>ox << 2)), vinv));
          const lo = v128.shuffle<f32>(v, v, 0, 0, 1, 1), hi = v128.shuffle<f32>(v, v, 2, 2, 3, 3);
          const at = <usize>(ox * 2) << 2;
          v128.store(row + at, lo); v128.store(row + at, hi, 16);
          v128.store(below + at, lo); v128.store(below + at, hi, 16);
        }
      }
      for (; ox < outW; ox++) {
        const v = load<f32>(yRow + (<usize>ox << 2)) * inv;
        let r = row + (<usize>(ox * sw) << 2);
        for (let ky = 0; ky < kh; ky++) {
          for (let kx = 0; kx < kw; kx++) {
            const q = r + (<usize>kx << 2);
            store<f32>(q, load<f32>(q) + v);
          }
          r += <usize>wd << 2;
        }
      }
    }
  }
}
