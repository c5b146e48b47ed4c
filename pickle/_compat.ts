/**
 * CPython's `_compat_pickle` for the names this module meets: protocols 0-2
 * spell `builtins` as Python 2's `__builtin__` (exceptions as
 * `exceptions`), `copyreg` as `copy_reg`. Loading maps them back, as
 * CPython's default `fix_imports=True` does; dumping below protocol 3 maps
 * them forward, as CPython's pickler does.
 *
 * @module
 */

/** Python 2 builtin exception names (`exceptions.X` ↔ `builtins.X`). */
const PY2_EXCEPTIONS = new Set([
  "ArithmeticError",
  "AssertionError",
  "AttributeError",
  "BaseException",
  "BufferError",
  "BytesWarning",
  "DeprecationWarning",
  "EOFError",
  "EnvironmentError",
  "Exception",
  "FloatingPointError",
  "FutureWarning",
  "GeneratorExit",
  "IOError",
  "ImportError",
  "ImportWarning",
  "IndentationError",
  "IndexError",
  "KeyError",
  "KeyboardInterrupt",
  "LookupError",
  "MemoryError",
  "NameError",
  "NotImplementedError",
  "OSError",
  "OverflowError",
  "PendingDeprecationWarning",
  "ReferenceError",
  "RuntimeError",
  "RuntimeWarning",
  "StopIteration",
  "SyntaxError",
  "SyntaxWarning",
  "SystemError",
  "SystemExit",
  "TabError",
  "TypeError",
  "UnboundLocalError",
  "UnicodeDecodeError",
  "UnicodeEncodeError",
  "UnicodeError",
  "UnicodeTranslateError",
  "UnicodeWarning",
  "UserWarning",
  "ValueError",
  "Warning",
  "ZeroDivisionError",
]);

/** Python 3 OSError subclasses that Python 2 names `exceptions.OSError`. */
const PY3_OSERRORS = new Set([
  "BrokenPipeError",
  "ChildProcessError",
  "ConnectionAbortedError",
  "ConnectionError",
  "ConnectionRefusedError",
  "ConnectionResetError",
  "FileExistsError",
  "FileNotFoundError",
  "InterruptedError",
  "IsADirectoryError",
  "NotADirectoryError",
  "PermissionError",
  "ProcessLookupError",
  "TimeoutError",
]);

const PY2_BUILTIN_NAMES: Record<string, string> = {
  xrange: "range",
  unichr: "chr",
  unicode: "str",
  long: "int",
  basestring: "str",
};

const PY3_BUILTIN_NAMES: Record<string, string> = {
  range: "xrange",
  chr: "unichr",
  str: "unicode",
  int: "long",
};

/** A global's Python 3 `[module, name]`, as an unpickler with fix_imports sees it. */
export function fromPy2(module: string, name: string): [string, string] {
  switch (module) {
    case "__builtin__":
      return ["builtins", PY2_BUILTIN_NAMES[name] ?? name];
    case "exceptions":
      return ["builtins", name === "StandardError" ? "Exception" : name];
    case "copy_reg":
      return ["copyreg", name];
  }
  return [module, name];
}

/** A global's Python 2 `[module, name]`, as CPython writes protocols 0-2. */
export function toPy2(module: string, name: string): [string, string] {
  if (module === "builtins") {
    if (PY2_EXCEPTIONS.has(name)) return ["exceptions", name];
    if (PY3_OSERRORS.has(name)) return ["exceptions", "OSError"];
    if (name === "ModuleNotFoundError") return ["exceptions", "ImportError"];
    return ["__builtin__", PY3_BUILTIN_NAMES[name] ?? name];
  }
  if (module === "copyreg") return ["copy_reg", name];
  return [module, name];
}
