/** The listeners to one kind of notice: a service announces, the services built after it subscribe. */
export class Listeners<A extends unknown[]> {
  readonly #listeners = new Set<(...args: A) => void>();

  /** Returns the unsubscribe. */
  subscribe(listener: (...args: A) => void): () => void {
    this.#listeners.add(listener);
    return () => {
      this.#listeners.delete(listener);
    };
  }

  emit(...args: A): void {
    for (const listener of this.#listeners) listener(...args);
  }
}
