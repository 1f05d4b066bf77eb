// Labels and page config, read from the page's <script type="application/json" id="cc-config"> block.

export function loadConfig() {
  const block = document.getElementById("cc-config");
  return JSON.parse(block.textContent);
}

// t(key, {name: value}) -> the label with {name} placeholders filled; the key itself when unknown.
export function makeT(labels) {
  return (key, values = {}) => {
    let text = Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : key;
    for (const [name, value] of Object.entries(values)) text = text.split(`{${name}}`).join(String(value));
    return text;
  };
}

// labelOf(labels, "outcome", "resolved") -> the label, or the raw value for names added in config.yaml.
export function labelOf(labels, prefix, value) {
  if (value === null || value === undefined || value === "") return "";
  const key = `${prefix}.${value}`;
  return Object.prototype.hasOwnProperty.call(labels, key) ? labels[key] : String(value);
}
