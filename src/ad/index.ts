export * from './ops.ts';
export { jvp, vjp, grad, valueAndGrad, hvp, jacfwd, jacrev, type Argnums, type GradOptions, type ValueAndGradOptions } from './transforms.ts';
export { flatten as treeFlatten, unflatten as treeUnflatten, treeMap, treeZip, treeLeaves, PytreeError, type Pytree } from './pytree.ts';
export { primitives, definePrimitive, defineRules, bind, type Primitive, type PrimitiveDeclaration, type DerivativeRules, type Aval } from './core.ts';
