/**
 * A value shared by the elements of one connection: the selection
 * (`worker:<id>`, `queue:<name>` or null) and the theme. The client owns one of
 * each, so elements that share a connection share them and elements of
 * different connections never do.
 */
export class SharedValue {
  #value: string | null = null;
  readonly #observers = new Set<(value: string | null) => void>();

  /** The value; null when none is set. */
  get value(): string | null {
    return this.#value;
  }

  /** Sets the value and tells every observer (nothing when it is the same). */
  set(value: string | null): void {
    if (value === this.#value) return;
    this.#value = value;
    for (const observer of this.#observers) observer(value);
  }

  /** Calls `observer` with each new value; returns the function that stops it. */
  observe(observer: (value: string | null) => void): () => void {
    this.#observers.add(observer);
    return () => {
      this.#observers.delete(observer);
    };
  }
}
