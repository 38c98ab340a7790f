/** Which measured feature names each variable of the phantom's label rule (null: none does; the texture is hidden). */
export const CAUSE_FEATURE: Readonly<Record<string, string | null>> = { brightness: 'brightness', size: 'extent', logAspectRatio: 'logAspectRatio', texture: null };
