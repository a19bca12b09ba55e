// `runts --version`, in the three-line shape go-runc parses (runc version / commit / spec).
export const VERSION = '0.1.0';
export const SPEC_VERSION = '1.3.0';
export const VERSION_TEXT = `runts version ${VERSION}\ncommit: unknown\nspec: ${SPEC_VERSION}\n`;
