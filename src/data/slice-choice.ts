/**
 * One slice per subject, as the paper took them: by default the slice where the tumour's area is
 * largest (ties go to the slice nearest the middle of the tied ones, then the lower one), or every
 * slice the tumour appears on.
 */
export type SliceChoice = 'largest' | 'all';

export const SLICE_CHOICES: readonly SliceChoice[] = ['largest', 'all'];

/** Mask pixels per slice of a [depth][rows][columns] 0/1 volume. */
export function sliceAreas(mask: Float32Array, plane: number): number[] {
  const depth = Math.floor(mask.length / plane);
  return Array.from({ length: depth }, (_, k) => {
    let a = 0;
    for (let i = k * plane; i < (k + 1) * plane; i++) if (mask[i]! > 0) a++;
    return a;
  });
}

/** The chosen slice indices, ascending; empty when the mask is empty. */
export function chooseSlices(areas: readonly number[], choice: SliceChoice): number[] {
  const present = areas.flatMap((a, k) => (a > 0 ? [k] : []));
  if (choice === 'all' || present.length === 0) return present;
  const top = Math.max(...present.map((k) => areas[k]!));
  const tied = present.filter((k) => areas[k] === top);
  const middle = (tied[0]! + tied[tied.length - 1]!) / 2;
  return [tied.reduce((best, k) => (Math.abs(k - middle) < Math.abs(best - middle) ? k : best))];
}
