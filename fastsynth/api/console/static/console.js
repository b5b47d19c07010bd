// The console's page: generators, streamers, the schema editor, preview, streams and download, each a
// thin client of the REST API (api.js). Status readings arrive once a second and keep every section
// current without reloading the page.

/* global jsyaml */

import { call, forgetToken, hasToken, readEvents, request, whenTokenNeeded } from "./api.js";
import { SchemaEditor } from "./editor.js";
import { rowsTable, summaries } from "./preview.js";
import { Streams } from "./streams.js";

const $ = (selector, root = document) => root.querySelector(selector);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const EXTENSIONS = { json: "json", jsonl: "jsonl", csv: "csv", parquet: "parquet", arrow: "arrows" };

const state = { generators: [], streamers: [], selected: null };

// Runs `work`; a refusal (or any failure) is shown in `problem` instead of being lost in the console.
async function run(problem, work) {
  problem.textContent = "";
  try {
    return await work();
  } catch (error) {
    problem.textContent = error.message;
    return undefined;
  }
}

// A form whose submit runs `work(values)`, its refusals shown in its section's problem line.
function onSubmit(form, work) {
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    const problem = form.querySelector(".problem") ?? form.closest("section").querySelector(":scope > .problem");
    run(problem, () => work(new FormData(form)));
  });
}

function cell(text, className = "") {
  const td = document.createElement("td");
  td.className = className;
  td.textContent = text;
  return td;
}

function button(text, className, onClick) {
  const made = document.createElement("button");
  made.type = "button";
  made.className = className;
  made.textContent = text;
  made.addEventListener("click", onClick);
  return made;
}

// A section's list: one row a thing, or the section's "none yet" line.
function fillList(section, rows) {
  $("tbody", section).replaceChildren(...rows);
  $(".empty", section).hidden = rows.length > 0;
}

// -- token ------------------------------------------------------------------------------------------

whenTokenNeeded(
  (previous) =>
    new Promise((resolve) => {
      const dialog = $("#token-dialog");
      $(".problem", dialog).textContent = previous ? "That token was refused." : "";
      dialog.showModal();
      $("#token-form").addEventListener(
        "submit",
        () => {
          $("#forget-token").hidden = false;
          resolve($("#token").value);
        },
        { once: true },
      );
    }),
);
$("#token-dialog").addEventListener("cancel", (event) => event.preventDefault()); // nothing works without it
$("#forget-token").hidden = !hasToken();
$("#forget-token").addEventListener("click", () => {
  forgetToken();
  location.reload();
});

// -- generators and the editor ----------------------------------------------------------------------

const editor = new SchemaEditor($("#schema-form"));

async function loadGenerators() {
  state.generators = await call("GET", "/generators");
  if (!state.generators.some((g) => g.name === state.selected)) state.selected = state.generators[0]?.name ?? null;
  showGenerators();
}

// The list (the selected one marked), the start form's choice, and what preview and download act on.
function showGenerators() {
  fillList(
    $("#generators"),
    state.generators.map((g) => {
      const tr = document.createElement("tr");
      tr.classList.toggle("selected", g.name === state.selected);
      const first = document.createElement("td");
      first.append(button(g.name, "link", () => select(g.name)));
      const last = document.createElement("td");
      last.className = "actions";
      last.append(button("Delete", "quiet danger", () => run($("#generators > .problem"), () => removeGenerator(g.name))));
      tr.append(first, cell(g.kind), cell(g.columns.length, "number"), last);
      return tr;
    }),
  );
  const choice = $("#start-form [name=generator]");
  const chosen = choice.value || state.selected;
  choice.replaceChildren(...state.generators.map((g) => new Option(g.name, g.name, false, g.name === chosen)));
  for (const subject of document.querySelectorAll(".subject")) subject.textContent = state.selected ? `of ${state.selected}` : "";
}

async function removeGenerator(name) {
  await call("DELETE", `/generators/${encodeURIComponent(name)}`);
  await loadGenerators();
}

// The generator `name` becomes the subject of the preview and the download, and its schema is edited.
function select(name) {
  const generator = state.generators.find((g) => g.name === name);
  state.selected = name;
  const form = $("#schema-form");
  form.elements.name.value = name;
  form.elements.seed.value = generator.seed ?? "";
  editor.text = jsyaml.dump(generator.schema, { flowLevel: 2, lineWidth: 110 });
  showGenerators();
}

async function loadExamples() {
  const { examples } = await call("GET", "/examples");
  const picker = $("#example");
  picker.append(...examples.map((e) => new Option(e.file, e.name)));
  picker.addEventListener("change", () => {
    const example = examples.find((e) => e.name === picker.value);
    if (!example) return;
    editor.text = example.text; // as written, comments included
    const name = $("#schema-form").elements.name;
    if (!name.value) name.value = example.name;
  });
  $("#schema-form textarea").addEventListener("input", () => (picker.value = "")); // no longer the file
}

// Saves the editor's schema under its name: a new generator, or one replacing the generator of that
// name once the server has accepted the schema and the seed (so a bad edit never loses the old one). A
// generator that is streaming is not replaced: that would stop its stream.
onSubmit($("#schema-form"), async (form) => {
  let schema;
  try {
    schema = editor.parse();
  } catch (error) {
    editor.show(error.message, error.line);
    return;
  }
  const name = form.get("name");
  const seed = form.get("seed") === "" ? null : Number(form.get("seed"));
  try {
    if (state.generators.some((g) => g.name === name)) {
      if (streams.running(name)) {
        editor.show(`generator ${name} is streaming; stop its stream before replacing it, or save under a new name`);
        return;
      }
      await request("POST", "/generate", { schema, rows: 1, seed });
      await call("DELETE", `/generators/${encodeURIComponent(name)}`);
    }
    await call("POST", "/generators", { name, schema, seed });
  } catch (error) {
    editor.showRefusal(error);
    return;
  }
  editor.show(null);
  state.selected = name;
  await loadGenerators();
});

// -- preview and download ---------------------------------------------------------------------------

$("#preview-button").addEventListener("click", () =>
  run($("#preview .problem"), async () => {
    const generator = state.generators.find((g) => g.name === state.selected);
    if (!generator) throw new Error("no generator to preview: save a schema first");
    const rows = (size) => call("POST", "/generate", { generator: generator.name, rows: size, format: "json" });
    rowsTable($("#preview table.rows"), generator.columns, await rows(20));
    summaries($("#preview .summaries"), generator.columns, await rows(5000));
  }),
);

onSubmit($("#download-form"), async (form) => {
  if (!state.selected) throw new Error("no generator to download: save a schema first");
  const format = form.get("format");
  const response = await request("POST", "/generate", { generator: state.selected, rows: Number(form.get("rows")), format });
  const blob = await response.blob();
  const link = document.createElement("a");
  link.href = URL.createObjectURL(blob);
  link.download = `${state.selected}.${EXTENSIONS[format]}`;
  link.click();
  setTimeout(() => URL.revokeObjectURL(link.href), 60_000);
  $("#download-form .done").textContent = `saved ${link.download} (${(blob.size / 1024).toFixed(1)} KiB)`;
});

// -- streamers and streams --------------------------------------------------------------------------

async function loadStreamers() {
  state.streamers = await call("GET", "/streamers");
  const section = $("#streamers");
  fillList(
    section,
    state.streamers.map((s) => {
      const tr = document.createElement("tr");
      const last = document.createElement("td");
      last.className = "actions";
      last.append(
        button("Delete", "quiet danger", () =>
          run($("#streamers > .problem"), async () => {
            await call("DELETE", `/streamers/${encodeURIComponent(s.name)}`);
            await loadStreamers();
          }),
        ),
      );
      const format = s.type === "file" ? s.format : `${s.type} ${s.format}`;
      tr.append(cell(s.name), cell(format), cell(s.path ?? s.options.topic ?? "standard output", "path"), last);
      return tr;
    }),
  );
  const targets = $("#start-form .targets");
  const checked = new Set([...targets.querySelectorAll("input:checked")].map((i) => i.value));
  const boxes = state.streamers.map((s) => {
    const label = document.createElement("label");
    label.className = "check";
    const box = document.createElement("input");
    box.type = "checkbox";
    box.name = "streamers";
    box.value = s.name;
    box.checked = checked.size === 0 || checked.has(s.name);
    label.append(box, ` ${s.name}`);
    return label;
  });
  targets.replaceChildren(targets.querySelector("legend"), ...boxes);
}

onSubmit($("#streamer-form"), async (form) => {
  const path = form.get("path");
  await call("POST", "/streamers", {
    name: form.get("name"),
    type: "file",
    format: path.endsWith("/") ? "rolling" : form.get("format"),
    path,
    overwrite: form.get("overwrite") === "on",
  });
  await loadStreamers();
});

onSubmit($("#start-form"), async (form) => {
  const body = { generators: [form.get("generator")], streamers: form.getAll("streamers") };
  if (form.get("rate") !== "") body.rate = Number(form.get("rate"));
  if (form.get("rows") !== "") body.rows = Number(form.get("rows"));
  for (const name of body.generators) streams.restarted(name);
  showStatus(await call("POST", "/start", body));
});

const streams = new Streams($("#streams .cards"), $("#stream-card"), { run });

// -- status -----------------------------------------------------------------------------------------

const same = (names, things) => names.length === things.length && things.every((t, i) => t.name === names[i]);

function showStatus(status) {
  const pill = $("#server-state");
  pill.textContent = status.status;
  pill.dataset.state = status.status;
  // Another client (or a stream's end) changed the lists: read them again.
  if (!same(status.generators, state.generators)) run($("#generators > .problem"), loadGenerators);
  if (!same(status.streamers, state.streamers)) run($("#streamers > .problem"), loadStreamers);
  streams.update(status, Date.now() / 1000, status.streamers);
}

// Status readings once a second, as server-sent events, for as long as the page is open; after a
// failure (the server restarting, the network), the stream is opened again.
async function watchStatus() {
  for (;;) {
    try {
      await readEvents("/events?interval=1", (name, data) => name === "status" && showStatus(JSON.parse(data)));
    } catch (error) {
      const pill = $("#server-state");
      pill.textContent = "unreachable";
      pill.dataset.state = "failed";
      pill.title = error.message;
    }
    await sleep(2000);
  }
}

await Promise.all([
  run($("#generators > .problem"), loadGenerators),
  run($("#streamers > .problem"), loadStreamers),
  run($("#schema-form .problem"), loadExamples),
]);
watchStatus();
