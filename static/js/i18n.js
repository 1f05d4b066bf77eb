// Labels and page config, read from the page's <script type="application/json" id="cc-config"> block.
//
// A label that is asked for and missing is a bug the user sees (a raw key or code on the page): t() and
// labelOf() still show the raw text, so the page keeps working, but they record it in
// window.__ccMissing and warn once on the console. tests/browser/test_i18n_walk.py reads that list.

export function loadConfig() {
  const block = document.getElementById("cc-config");
  return JSON.parse(block.textContent);
}

const has = (labels, key) => Object.prototype.hasOwnProperty.call(labels, key);

function missing(key) {
  const seen = (window.__ccMissing ||= []);
  if (seen.includes(key)) return;
  seen.push(key);
  console.warn(`i18n: no label for ${key}`);
}

// t(key, {name: value}) -> the label with {name} placeholders filled; the key itself when unknown.
// t.error(error) -> errorText(labels, error), for modules that were handed only t.
export function makeT(labels) {
  const t = (key, values = {}) => {
    if (!has(labels, key)) missing(key);
    let text = has(labels, key) ? labels[key] : key;
    for (const [name, value] of Object.entries(values)) text = text.split(`{${name}}`).join(String(value));
    return text;
  };
  t.error = (error) => errorText(labels, error);
  return t;
}

// labelOf(labels, "outcome", "resolved") -> the label, or the raw value for names added in config.yaml
// (recorded as missing: a name added to config.yaml needs its label in console/i18n.py too).
export function labelOf(labels, prefix, value) {
  if (value === null || value === undefined || value === "") return "";
  const key = `${prefix}.${value}`;
  if (has(labels, key)) return labels[key];
  missing(key);
  return String(value);
}

// categoryOf(labels, "billing") -> a complaint category as the user reads it: the label of the known
// categories (category.<name>), else the text an agent typed (free text: not a missing label).
export function categoryOf(labels, value) {
  if (value === null || value === undefined) return "";
  const key = `category.${value}`;
  return has(labels, key) ? labels[key] : String(value);
}

// errorText(labels, error) -> what the user reads for a failed command or request: the label of the
// error's stable id (error.<id>, console/i18n.py), else the generic one. The server's own message is
// English and for operators: use errorDetail() for a tooltip, never as the text.
export function errorText(labels, error) {
  const id = error && typeof error === "object" ? error.id : null;
  const fields = Object.keys((error && error.details && error.details.fields) || {});
  if (id === "invalid-input" && fields.length && has(labels, "error.fields")) {
    const names = fields.map((name) => {
      const key = `field.${name.replace(/\[\d+\]$/, "")}`;
      return has(labels, key) ? labels[key] : (missing(key), name);
    });
    const separator = has(labels, "error.fields_separator") ? labels["error.fields_separator"] : ", ";
    return labels["error.fields"].split("{fields}").join(names.join(separator));
  }
  if (id && has(labels, `error.${id}`)) return labels[`error.${id}`];
  if (id) missing(`error.${id}`);
  return has(labels, "error.unknown") ? labels["error.unknown"] : "error";
}

export function errorDetail(error) {
  if (!error || typeof error !== "object") return String(error ?? "");
  return [error.id, error.message].filter(Boolean).join(": ");
}

// Show a failed command on a message node: the translated text, the server's detail as its title.
export function showError(node, labels, error) {
  node.textContent = errorText(labels, error);
  node.title = errorDetail(error);
}
