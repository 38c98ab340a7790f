/**
 * Plain data types of the data layer. No tensors here: images are flat
 * row-major Float32Arrays (height rows of width values).
 */

export interface Image2D {
  readonly width: number;
  readonly height: number;
  /** Row-major: value at (x, y) is data[y * width + x]. */
  readonly data: Float32Array;
}

export interface Sample {
  readonly id: string;
  /** The image (Hounsfield units for CT sources, raw stored values otherwise). */
  readonly image: Image2D;
  /** The region of interest (tumour), values 0/1, same size as image. */
  readonly mask: Image2D;
  readonly label: 0 | 1;
  /** Where the sample came from (a file path, 'phantom', 'mnist', …). */
  readonly source?: string;
  /** [row, column] pixel size in mm, where the source says (DICOM PixelSpacing, NIfTI pixdim, a manifest's rowSpacing/columnSpacing). */
  readonly spacing?: readonly [number, number];
  /** Known generating values (synthetic data only). */
  readonly truth?: Readonly<Record<string, number>>;
}

/** Names of the phantom's label-generating features. */
export type PhantomFeature = 'brightness' | 'size' | 'logAspectRatio' | 'texture';

/** The known label rule of a synthetic dataset. */
export interface GroundTruth {
  readonly kind: 'linear-threshold';
  /** score = Σ weights[f] · z_f + noise · ε, ε ~ N(0,1); z_f the standardized feature. */
  readonly weights: Readonly<Record<PhantomFeature, number>>;
  readonly noise: number;
  /** Fraction of positives (exact: round(prevalence · n) samples are positive). */
  readonly prevalence: number;
  readonly positives: number;
  /** Score threshold: samples with score above it are positive. */
  readonly threshold: number;
  /** Empirical mean and standard deviation used to standardize each feature. */
  readonly featureStats: Readonly<Record<PhantomFeature, { readonly mean: number; readonly sd: number }>>;
  /** Features a user cannot compute from the image and mask with the built-in features. */
  readonly hidden: readonly PhantomFeature[];
  /** Human-readable definitions of each feature. */
  readonly definitions: Readonly<Record<PhantomFeature, string>>;
  readonly seed: number;
}

export interface Dataset {
  readonly name: string;
  readonly samples: readonly Sample[];
  readonly groundTruth?: GroundTruth;
  readonly description?: string;
}

export const image2D = (width: number, height: number, data?: Float32Array): Image2D => ({
  width,
  height,
  data: data ?? new Float32Array(width * height),
});
