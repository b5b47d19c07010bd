// The preview of a generator: a sample of rows as a table, and the shape of each column over a larger
// sample (a histogram of numbers, the top values of anything else, the range of times).

import { histogram } from "./charts.js";

const TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;
const TOP = 5;

function element(tag, className, text) {
  const made = document.createElement(tag);
  if (className) made.className = className;
  if (text !== undefined) made.textContent = text;
  return made;
}

// A cell's text: nested values as JSON, so a list or an object reads as one.
function shown(value) {
  if (value === null || value === undefined) return "null";
  return typeof value === "object" ? JSON.stringify(value) : String(value);
}

export function rowsTable(table, columns, rows) {
  const head = element("tr");
  for (const column of columns) head.append(element("th", "", column));
  const body = rows.map((row) => {
    const tr = element("tr");
    for (const column of columns) tr.append(element("td", row[column] === null ? "null" : "", shown(row[column])));
    return tr;
  });
  table.replaceChildren(element("thead"), element("tbody"));
  table.tHead.append(head);
  table.tBodies[0].append(...body);
}

// One card a column in `container`, from `rows` (objects as POST /generate answers them in JSON).
export function summaries(container, columns, rows) {
  container.replaceChildren();
  for (const column of columns) {
    const values = rows.map((row) => row[column]);
    const present = values.filter((v) => v !== null && v !== undefined);
    const card = element("figure", "summary");
    const caption = element("figcaption");
    caption.append(element("strong", "", column));
    const nulls = values.length - present.length;
    if (nulls) caption.append(element("span", "muted", ` ${nulls.toLocaleString()} null`));
    card.append(caption);
    container.append(card);
    if (present.length && present.every((v) => typeof v === "number")) {
      histogram(card.appendChild(element("div", "plot")), present, column);
    } else if (present.length && present.every((v) => typeof v === "string" && TIME.test(v))) {
      const sorted = [...present].sort();
      card.append(element("p", "range", `${sorted[0]} … ${sorted[sorted.length - 1]}`));
    } else {
      card.append(topValues(present));
    }
  }
}

// The most frequent values with their share of the rows, as bars, and how many values there are.
function topValues(values) {
  const counts = new Map();
  for (const v of values) {
    const key = shown(v);
    counts.set(key, (counts.get(key) || 0) + 1);
  }
  const top = [...counts].sort((a, b) => b[1] - a[1]).slice(0, TOP);
  const list = element("table", "top");
  for (const [value, count] of top) {
    const share = count / values.length;
    const bar = element("span", "bar");
    bar.style.width = `${Math.max(1, share * 100)}%`; // CSSOM, which the page's CSP allows
    const row = element("tr");
    row.append(element("td", "value", value), element("td", "share", `${(share * 100).toFixed(1)}%`));
    const barCell = element("td", "bar-cell");
    barCell.append(bar);
    row.append(barCell);
    list.append(row);
  }
  const wrap = element("div");
  wrap.append(list, element("p", "muted", `${counts.size.toLocaleString()} distinct of ${values.length.toLocaleString()}`));
  return wrap;
}
