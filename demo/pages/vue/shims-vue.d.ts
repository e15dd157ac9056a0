// Lets TypeScript import single-file components; Vite's Vue plugin compiles them.
declare module '*.vue' {
  import type { DefineComponent } from 'vue';

  const component: DefineComponent<{ src: string }>;
  export default component;
}
