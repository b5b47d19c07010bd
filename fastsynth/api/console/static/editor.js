// The schema editor: a textarea over a backdrop that repeats its text, so the line a problem names can
// be highlighted behind it (a textarea cannot style its own lines). YAML and JSON both parse with
// js-yaml (a global loaded before this module): JSON is YAML.

/* global jsyaml */

export class SchemaEditor {
  constructor(form) {
    this.textarea = form.querySelector("textarea");
    this.backdrop = form.querySelector(".backdrop");
    this.problem = form.querySelector(".problem");
    this.textarea.addEventListener("input", () => this.show(null));
    this.textarea.addEventListener("scroll", () => {
      this.backdrop.scrollTop = this.textarea.scrollTop;
      this.backdrop.scrollLeft = this.textarea.scrollLeft;
    });
  }

  get text() {
    return this.textarea.value;
  }

  set text(value) {
    this.textarea.value = value;
    this.show(null);
  }

  // The document in the editor, or a thrown Error naming the line where YAML could not read it.
  parse() {
    let document;
    try {
      document = jsyaml.load(this.text);
    } catch (error) {
      const line = error.mark ? error.mark.line : null;
      const where = line === null ? "" : `line ${line + 1}: `;
      throw Object.assign(new Error(`${where}${error.reason || error.message}`), { line });
    }
    if (document === null || typeof document !== "object" || Array.isArray(document)) {
      throw Object.assign(new Error("a schema is an object: fields by name, or fastsynth's form with fields:"), { line: 0 });
    }
    return document;
  }

  // `message` under the editor, and the 0-based `line` highlighted (none when null); null clears both.
  show(message, line = null) {
    this.problem.textContent = message ?? "";
    this.backdrop.replaceChildren(
      ...this.text.split("\n").flatMap((text, i) => {
        const span = document.createElement("span");
        span.textContent = text;
        if (i === line) span.className = "marked";
        return [span, "\n"];
      }),
    );
    if (line !== null) {
      const lineHeight = parseFloat(getComputedStyle(this.textarea).lineHeight);
      this.textarea.scrollTop = Math.max(0, (line - 3) * lineHeight);
    }
  }

  // The API's refusal: its detail, and the line that names its field (the key, in YAML or JSON form).
  showRefusal(error) {
    this.show(error.message, error.field ? lineNaming(this.text, error.field) : null);
  }
}

// The first line whose key is `field` (or the last part of a dotted name): `age:`, `"age":`, `'age':`.
export function lineNaming(text, field) {
  const name = field.split(".").pop().replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  const key = new RegExp(`(^|[{,\\s])(["']?)${name}\\2\\s*:`);
  const index = text.split("\n").findIndex((line) => key.test(line));
  return index < 0 ? null : index;
}
