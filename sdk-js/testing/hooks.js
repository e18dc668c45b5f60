// Module resolution hooks (see register.js).
const FAKE_HOST = new URL('./fake-host.js', import.meta.url).href;

export async function resolve(specifier, context, nextResolve) {
  if (specifier.startsWith('wagather:gatherer/')) {
    return { url: FAKE_HOST, shortCircuit: true };
  }
  return nextResolve(specifier, context);
}
