/** A resource template's URI (RFC 6570 level 1: ``{name}``) with its parts filled, each encoded. */
export function fillTemplate(template: string, values: Record<string, string>): string {
  return template.replace(/\{([^{}]+)\}/g, (_m, name: string) => encodeURIComponent(values[name] ?? ''));
}

/** The variable names of a template, in order. */
export function templateVars(template: string): string[] {
  return [...template.matchAll(/\{([^{}]+)\}/g)].map(m => m[1]);
}
