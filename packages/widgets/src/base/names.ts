/** The names that occur more than once among the workers' `names` (a fleet runs copies of one service under one name). */
export function sharedNames(names: Iterable<string>): Set<string> {
  const seen = new Set<string>();
  const shared = new Set<string>();
  for (const name of names) {
    if (seen.has(name)) shared.add(name);
    seen.add(name);
  }
  return shared;
}

/** A worker's name, with its id when another worker has the same name; its id when it has no name. */
export const workerLabel = (id: string, name: string | undefined, shared: ReadonlySet<string>): string =>
  !name ? id : shared.has(name) ? `${name} (${id})` : name;
