/**
 * Shareable objects: the library's objects that travel by reference.
 *
 * A shareable describes itself as a small record (`[SHARE]()`), and the
 * receiving side rebuilds an object bound to the same shared state from that
 * record (`registerShareable`). The encoder calls `retain` only once the
 * whole value encoded, so a value that fails to encode takes no reference.
 *
 * @module
 */

/** The method a shareable object implements. */
export const SHARE: unique symbol = Symbol.for("pyconc.share");

/** What a shareable object says about itself. */
export interface ShareRecord {
  /** The class tag the receiver rebuilds with (e.g. `"threading.Lock"`). */
  tag: string;
  /** Plain data (structured-clone data) that locates the shared state. */
  data: unknown;
  /**
   * Takes the reference the record stands for, called when the encoded
   * value is committed. The receiver adopts it.
   */
  retain?: () => void;
  /**
   * Whether the record is valid in another process (its state lives in
   * memory every process of the program maps). Records without it are
   * refused when encoding for another process.
   */
  crossProcess?: boolean;
}

/** An object that travels by reference. */
export interface Shareable {
  /** Describes the object for the receiving side. */
  [SHARE](): ShareRecord;
}

/** Rebuilds a shareable from its record's data (adopting one reference). */
export type Rebuild = (data: unknown) => object;

const rebuilders = new Map<string, Rebuild>();
/** Loads the module of a tag synchronously (see `setShareableLoader`). */
let loader: ((tag: string) => void) | undefined;

/**
 * Registers how to rebuild objects with `tag`.
 * @param tag The class tag used in {@linkcode ShareRecord.tag}.
 * @param rebuild Builds the receiving side's object.
 */
export function registerShareable(tag: string, rebuild: Rebuild): void {
  rebuilders.set(tag, rebuild);
}

/**
 * Rebuilds a shareable.
 * @throws {TypeError} If no class registered the tag in this thread.
 */
export function rebuildShareable(tag: string, data: unknown): object {
  let rebuild = rebuilders.get(tag);
  if (rebuild === undefined && loader !== undefined) {
    try {
      loader(tag);
    } catch { /* reported below as the class being unknown */ }
    rebuild = rebuilders.get(tag);
  }
  if (rebuild === undefined) {
    throw new TypeError(
      `Cannot receive a ${tag}: its module is not loaded in this thread`,
    );
  }
  return rebuild(data);
}

/**
 * Sets how a thread loads the module of a tag it meets before its class
 * was loaded (a child process loads shareable classes on demand; see
 * `_internal/shareable_modules.ts`).
 */
export function setShareableLoader(load: (tag: string) => void): void {
  loader = load;
}

/** Whether a class registered `tag` in this thread. */
export function hasShareable(tag: string): boolean {
  return rebuilders.has(tag);
}

/** The tags registered in this thread. */
export function registeredShareableTags(): string[] {
  return [...rebuilders.keys()];
}

/** Whether `v` is a shareable object. */
export function isShareable(v: object): v is Shareable {
  return typeof (v as Partial<Shareable>)[SHARE] === "function";
}
