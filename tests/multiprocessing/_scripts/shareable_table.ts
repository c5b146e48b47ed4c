// Imports the module of each shareable tag in turn, in a fresh program,
// and checks that it registered the tag (shareable_modules.ts's table).
import {
  knownShareableTags,
  shareableModule,
} from "../../../_internal/shareable_modules.ts";
import { hasShareable } from "../../../_internal/codec/shareable.ts";

const tags = knownShareableTags();
for (const tag of tags) {
  await import(shareableModule(tag)!);
  if (!hasShareable(tag)) {
    console.error(`${shareableModule(tag)} does not register ${tag}`);
    Deno.exit(1);
  }
}
console.log(`${tags.length} tags`);
