/**
 * The wasm backend's memory: blocks of one shared WebAssembly.Memory, and the operands that stay
 * there between kernel calls.
 *
 * Tensors keep their own (JavaScript) buffers; a kernel copies an operand in unless a copy is
 * already resident, and leaves its output resident as the copy of the result it returns. So the
 * activations a step passes from kernel to kernel, and the weights its forward and backward
 * passes share, are copied in once. Resident copies are keyed by buffer (tensors are immutable,
 * and a reshape shares its buffer), freed when the buffer is collected, and evicted
 * least-recently-used first when the memory would pass its limit, so memory stays bounded
 * whatever the garbage collector does.
 */
import type { FloatArray } from '../tensor/kernels/types.ts';
import { MAX_PAGES, type WasmMemory } from './wasm-module.ts';

const PAGE = 65536;
/** Blocks start on cache lines and end with at least 16 spare bytes: a kernel may read one vector past its operand. */
const ALIGN = 64;
const SLACK = 16;
/** The first bytes stay unused (the kernels have no static data; this keeps address 0 invalid). */
const BASE = 1024;

interface Span {
  ptr: number;
  bytes: number;
}

/** A first-fit allocator over the memory, with coalescing free lists; grows the memory on demand up to `limit` bytes. */
export class WasmHeap {
  private free: Span[] = [];
  private readonly sizes = new Map<number, number>();
  private top = BASE;
  private view: Float32Array;
  private viewLength = 0;

  constructor(
    readonly memory: WasmMemory,
    readonly limit: number,
  ) {
    this.view = new Float32Array(memory.buffer);
    this.viewLength = this.view.length;
  }

  /** Bytes in use (allocated blocks). */
  get used(): number {
    let total = 0;
    for (const b of this.sizes.values()) total += b;
    return total;
  }

  /** Bytes the memory has grown to. */
  get committed(): number {
    return this.memory.buffer.byteLength;
  }

  /** A block of at least `bytes` bytes, or null when it would pass the limit. */
  alloc(bytes: number): number | null {
    const size = Math.ceil((bytes + SLACK) / ALIGN) * ALIGN;
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const s = this.free[i]!;
      if (s.bytes >= size && (best < 0 || s.bytes < this.free[best]!.bytes)) best = i;
    }
    let ptr: number;
    if (best >= 0) {
      const s = this.free[best]!;
      ptr = s.ptr;
      if (s.bytes - size >= ALIGN) {
        s.ptr += size;
        s.bytes -= size;
      } else {
        this.free.splice(best, 1);
        this.sizes.set(ptr, s.bytes);
        return ptr;
      }
    } else {
      if (this.top + size > this.limit) return null;
      if (!this.reserve(this.top + size)) return null;
      ptr = this.top;
      this.top += size;
    }
    this.sizes.set(ptr, size);
    return ptr;
  }

  release(ptr: number): void {
    const bytes = this.sizes.get(ptr);
    if (bytes === undefined) return;
    this.sizes.delete(ptr);
    // insert in address order and merge with the neighbours
    let i = 0;
    while (i < this.free.length && this.free[i]!.ptr < ptr) i++;
    this.free.splice(i, 0, { ptr, bytes });
    const next = this.free[i + 1];
    if (next && ptr + bytes === next.ptr) {
      this.free[i]!.bytes += next.bytes;
      this.free.splice(i + 1, 1);
    }
    const prev = this.free[i - 1];
    if (prev && prev.ptr + prev.bytes === ptr) {
      prev.bytes += this.free[i]!.bytes;
      this.free.splice(i, 1);
      i--;
    }
    const last = this.free[this.free.length - 1];
    if (last && last.ptr + last.bytes === this.top) {
      this.top = last.ptr;
      this.free.pop();
    }
  }

  /** The f32 values [ptr, ptr + 4·length) as a view (valid for good: shared memory never detaches). */
  f32(ptr: number, length: number): Float32Array {
    const whole = this.whole();
    return whole.subarray(ptr >>> 2, (ptr >>> 2) + length);
  }

  /** Copies `src` into the memory at ptr. */
  write(ptr: number, src: FloatArray): void {
    this.whole().set(src, ptr >>> 2);
  }

  private whole(): Float32Array {
    // after growth the memory's buffer is a new, longer SharedArrayBuffer over the same bytes
    if (this.memory.buffer.byteLength >>> 2 !== this.viewLength) {
      this.view = new Float32Array(this.memory.buffer);
      this.viewLength = this.view.length;
    }
    return this.view;
  }

  private reserve(end: number): boolean {
    const have = this.memory.buffer.byteLength;
    if (end <= have) return true;
    const pages = Math.ceil((end - have) / PAGE);
    // grow by at least an eighth, so that a run of growing calls grows the memory a few times only, but never past the limit
    const room = Math.min(MAX_PAGES, Math.ceil(this.limit / PAGE)) - have / PAGE;
    const want = Math.max(pages, Math.min(room, Math.ceil(have / PAGE / 8)));
    try {
      this.memory.grow(want);
      return true;
    } catch {
      try {
        this.memory.grow(pages);
        return true;
      } catch {
        return false;
      }
    }
  }
}

/** A resident copy of a buffer. */
interface Resident {
  readonly ptr: number;
  readonly bytes: number;
  /** Set when the copy is evicted or its buffer collected (its block is free then). */
  dropped: boolean;
  /** Whether every value is finite, once checked. */
  finite: boolean | undefined;
  /** Calls now using it (a pinned copy is never evicted). */
  pins: number;
  /** The block is the buffer itself (a kernel's output handed out as a view): freed only with the buffer. */
  readonly owned: boolean;
}

/**
 * The resident copies: by buffer, in least-recently-used order, freed with their buffer.
 * `limit` bounds their total size; the heap's own limit bounds everything.
 *
 * Nothing here holds a buffer, not even through a WeakRef: a WeakRef keeps its target alive
 * until the current job ends, and a training step is one job, so every output of the step
 * would stay allocated (measured: copying results out into fresh arrays fell from ~2 GB/s to
 * 0.3 GB/s). An evicted copy is only marked; its stale map entry goes on the next lookup or
 * with its buffer.
 */
export class Residents {
  private readonly bySource = new WeakMap<FloatArray, Resident>();
  /** Insertion order is use order: a used copy is deleted and re-added. */
  private readonly order = new Set<Resident>();
  private total = 0;
  private readonly collected = new FinalizationRegistry<Resident>((r) => this.drop(r));

  constructor(
    private readonly heap: WasmHeap,
    readonly limit: number,
  ) {}

  get bytes(): number {
    return this.total;
  }

  get count(): number {
    return this.order.size;
  }

  /** The resident copy of `source`, marked as just used, or undefined. */
  lookup(source: FloatArray): Resident | undefined {
    const r = this.bySource.get(source);
    if (!r) return undefined;
    if (r.dropped) {
      this.bySource.delete(source);
      return undefined;
    }
    if (r.owned) return r;
    this.order.delete(r);
    this.order.add(r);
    return r;
  }

  /** Makes the block at ptr the resident copy of `source` (the caller has written it), pinned once when `pinned`. */
  adopt(source: FloatArray, ptr: number, bytes: number, pinned: boolean): Resident {
    const r: Resident = { ptr, bytes, dropped: false, finite: undefined, pins: pinned ? 1 : 0, owned: false };
    this.bySource.set(source, r);
    this.order.add(r);
    this.total += bytes;
    this.collected.register(source, r, r);
    this.trim(0);
    return r;
  }

  /**
   * Records that `view` (a view of the memory at ptr) is a buffer handed out: lookups find it
   * with no copy, and its block is freed when the view is collected, never evicted.
   */
  own(view: Float32Array, ptr: number, bytes: number): void {
    const r: Resident = { ptr, bytes, dropped: false, finite: undefined, pins: 0, owned: true };
    this.bySource.set(view, r);
    this.ownedBytes += bytes;
    this.collected.register(view, r, r);
  }

  /** Bytes of blocks handed out as buffers and not yet collected. */
  ownedBytes = 0;

  /** Frees least-recently-used unpinned copies until `bytes` more fit under the limit. */
  trim(bytes: number): void {
    for (const r of this.order) {
      if (this.total + bytes <= this.limit) return;
      if (r.pins === 0) this.drop(r);
    }
  }

  /** A heap block of `bytes`, evicting copies until one fits; null when even that fails. */
  allocate(bytes: number): number | null {
    this.trim(bytes);
    let ptr = this.heap.alloc(bytes);
    if (ptr !== null) return ptr;
    for (const r of [...this.order]) {
      if (r.pins > 0) continue;
      this.drop(r);
      ptr = this.heap.alloc(bytes);
      if (ptr !== null) return ptr;
    }
    return null;
  }

  /** Frees every unpinned copy. */
  clear(): void {
    for (const r of [...this.order]) if (r.pins === 0) this.drop(r);
  }

  private drop(r: Resident): void {
    if (r.owned) {
      if (r.dropped) return;
      r.dropped = true;
      this.ownedBytes -= r.bytes;
      this.heap.release(r.ptr);
      return;
    }
    if (!this.order.delete(r)) return;
    r.dropped = true;
    this.total -= r.bytes;
    this.collected.unregister(r);
    this.heap.release(r.ptr);
  }
}

export type { Resident };
