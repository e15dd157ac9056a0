// `custom-elements-manifest analyze` reads the elements' JSDoc (@attr, @fires,
// @csspart, @cssprop, @slot) into custom-elements.json, which package.json
// lists under `customElements` for editors and framework tooling.
export default {
  globs: ['src/**/*.ts'],
  exclude: ['src/**/*.test.ts', 'src/react/**'],
  outdir: '.',
  litelement: true,
  packagejson: true,
};
