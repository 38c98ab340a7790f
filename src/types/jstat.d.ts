// jstat ships no type declarations; these cover the two distribution functions fgflow uses.
declare module 'jstat' {
  const jstat: {
    readonly jStat: {
      readonly studentt: {
        cdf(x: number, dof: number): number;
        inv(p: number, dof: number): number;
      };
    };
  };
  export default jstat;
}
