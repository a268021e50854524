/**
 * The exported code's templates (templates/*.ts.txt) filled in, with a subset of mustache's syntax:
 * `{{name}}` is a value; `{{#flag}}…{{/flag}}` is kept when the flag is true, `{{^flag}}…{{/flag}}` when
 * it is false (sections nest, never in a section of the same name); a section tag alone on its line takes
 * that line with it, as mustache's standalone tags do. A name the values lack is an error, so a template
 * and its caller cannot drift apart silently.
 */

export type TemplateValues = Readonly<Record<string, string | number | boolean>>;

const PIECE = /\{\{([#^])([\w-]+)\}\}([\s\S]*?)\{\{\/\2\}\}|\{\{([\w-]+)\}\}/g;

export function fillTemplate(template: string, values: TemplateValues): string {
  return fill(template.replace(/^[ \t]*(\{\{[#^/][\w-]+\}\})[ \t]*\n/gm, '$1'), values);
}

function fill(text: string, values: TemplateValues): string {
  return text.replace(PIECE, (_, op: string | undefined, section: string | undefined, body: string | undefined, name: string | undefined) => {
    const v = values[section ?? name!];
    if (v === undefined) throw new Error(`template value "${section ?? name}" is missing`);
    if (section === undefined) return String(v);
    return (op === '#') === Boolean(v) ? fill(body!, values) : '';
  });
}
