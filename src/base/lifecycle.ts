// Disposables: timers, watchers, child processes and subscriptions are owned by one store and released together,
// as VS Code's DisposableStore does. Pure (no node:* imports), so every layer may use it.

export interface Disposable {
  dispose(): void | Promise<void>;
}

/** A disposable from a function; disposing it twice runs the function once. */
export function toDisposable(fn: () => void | Promise<void>): Disposable {
  let done = false;
  return {
    dispose: () => {
      if (done) return;
      done = true;
      return fn();
    },
  };
}

/** Owns disposables and releases all of them at once, newest first; a disposed store refuses new ones. */
export class DisposableStore implements Disposable {
  private readonly items: Disposable[] = [];
  private disposed = false;

  get isDisposed(): boolean {
    return this.disposed;
  }

  add<T extends Disposable>(d: T): T {
    if (this.disposed) {
      void d.dispose();
      throw new Error('the owner of this resource is already disposed');
    }
    this.items.push(d);
    return d;
  }

  /** Releases one item early (it is disposed and forgotten). */
  async delete(d: Disposable): Promise<void> {
    const i = this.items.indexOf(d);
    if (i >= 0) this.items.splice(i, 1);
    await d.dispose();
  }

  /** A timer owned by the store (cleared on dispose). */
  interval(fn: () => void, ms: number): Disposable {
    const t = setInterval(fn, ms);
    t.unref?.();
    return this.add(toDisposable(() => clearInterval(t)));
  }

  /** A one-shot timer owned by the store; it forgets itself once it fired. */
  timeout(fn: () => void, ms: number): Disposable {
    const d = toDisposable(() => clearTimeout(t));
    const t = setTimeout(() => {
      const i = this.items.indexOf(d);
      if (i >= 0) this.items.splice(i, 1);
      fn();
    }, ms);
    t.unref?.();
    return this.add(d);
  }

  async dispose(): Promise<void> {
    if (this.disposed) return;
    this.disposed = true;
    const errors: unknown[] = [];
    for (const d of this.items.splice(0).reverse()) {
      try {
        await d.dispose();
      } catch (e) {
        errors.push(e);
      }
    }
    if (errors.length) throw errors[0];
  }
}
