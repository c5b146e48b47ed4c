/**
 * The main module of a child process that may not read the library's
 * files (a partial `--allow-read`): it loads every shareable class (and
 * the `Process` class, and what a spare loads ahead) up front,
 * as part of its static module graph, which Deno loads without a read
 * permission, then runs the bootstrap. (A child that may read them loads
 * the classes as it meets them: a dynamic import of a computed specifier,
 * or a synchronous `require`, needs the permission.) Same arguments as
 * bootstrap.ts.
 *
 * @module
 */

import "../shareables.ts";
import "../../multiprocessing/process.ts";
import "./module_preload.ts";
// What the child runner imports by computed specifiers (see child.ts).
import "../lazy.ts";
import "../threads/registry.ts";
import "./bootstrap.ts";
