// Module resolve hook (registered by native-hooks.ts): `better-sqlite3` → the chosen copy.
interface ResolveResult {
  url: string;
  shortCircuit?: boolean;
}
type NextResolve = (specifier: string, context: unknown) => Promise<ResolveResult>;

let target = '';

export async function initialize(data: { target: string }): Promise<void> {
  target = data.target;
}

export async function resolve(specifier: string, context: unknown, next: NextResolve): Promise<ResolveResult> {
  if (specifier === 'better-sqlite3' && target) return { url: target, shortCircuit: true };
  return next(specifier, context);
}
