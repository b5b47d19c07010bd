// One card a stream: its figures and live chart from each status reading, its controls (stop, rate and
// batch size, streamers attached, drift now) and the columns' means before and after a drift.

import { call } from "./api.js";
import { LiveChart } from "./charts.js";

const READINGS = 600; // status readings kept a stream, for the before/after means (10 minutes at 1/s)
const BEFORE_SECONDS = 10; // the span of rows before a drift that the "before" means cover

const integer = new Intl.NumberFormat("en");
const decimal = new Intl.NumberFormat("en", { maximumSignificantDigits: 4 });
// `/streams/{name}` and the paths under it, each part escaped
const streamPath = (name, ...under) => ["", "streams", name, ...under].map(encodeURIComponent).join("/");

// The mean of each column over the rows emitted between two readings of a stream's `columns` totals.
function means(from, to) {
  const found = {};
  for (const [column, total] of Object.entries(to.columns || {})) {
    const start = from.columns?.[column] ?? { sum: 0, count: 0 };
    const count = total.count - start.count;
    found[column] = count > 0 ? (total.sum - start.sum) / count : null;
  }
  return found;
}

class StreamCard {
  constructor(name, template, actions) {
    this.name = name;
    this.actions = actions; // run(problemElement, async work): shows a refusal beside the card's controls
    this.node = template.content.firstElementChild.cloneNode(true);
    this.$ = (selector) => this.node.querySelector(selector);
    this.$(".name").textContent = name;
    this.readings = [];
    this.driftEvents = null;
    this.drift = null; // the last "drift now": {row, marked}
    this.ended = false;
    this.wire();
  }

  // Attached after the node is in the page: uPlot measures its container.
  start() {
    this.chart = new LiveChart(this.$(".chart"));
  }

  wire() {
    const problem = this.$(".problem");
    const run = (work) => this.actions.run(problem, work);
    this.$(".stop").addEventListener("click", () =>
      this.ended ? this.node.remove() : run(async () => this.stopped(await call("POST", "/stop", { generators: [this.name] }))),
    );
    this.$(".tune").addEventListener("submit", (event) => {
      event.preventDefault();
      const form = new FormData(event.target);
      const body = {};
      if (form.get("rate") !== "") body.rate = Number(form.get("rate"));
      if (form.get("batch_size") !== "") body.batch_size = Number(form.get("batch_size"));
      run(() => call("PATCH", streamPath(this.name), body));
    });
    this.$(".attach").addEventListener("submit", (event) => {
      event.preventDefault();
      const streamer = new FormData(event.target).get("streamer");
      if (streamer) run(() => call("POST", streamPath(this.name, "streamers"), { streamer }));
    });
    this.$(".drift").addEventListener("submit", (event) => {
      event.preventDefault();
      const magnitude = new FormData(event.target).get("magnitude");
      run(async () => {
        const made = await call("POST", streamPath(this.name, "drift"), magnitude ? { magnitude: Number(magnitude) } : {});
        this.drift = { row: made.row, marked: false };
        this.$(".before-after").hidden = false;
        this.$(".drift-row").textContent = integer.format(made.row);
        this.showMeans();
      });
    });
  }

  // A status reading of this stream at `time` (seconds).
  update(time, stream, streamers) {
    const state = stream.error ? "failed" : stream.running ? "running" : "ended";
    this.$(".state").textContent = state;
    this.$(".state").dataset.state = state;
    this.$(".rows").textContent = integer.format(stream.rows);
    this.$(".rate").textContent = integer.format(stream.rows_per_second);
    this.$(".target").textContent = integer.format(stream.target_rows_per_second);
    this.$(".lag").textContent = `${stream.lag_seconds.toFixed(2)} s`;
    this.$(".errors").textContent = integer.format(stream.errors);
    this.$(".drifts").textContent = integer.format(stream.drift_events);
    this.$(".error-text").textContent = stream.error ?? "";
    for (const field of ["rate", "batch_size"]) {
      // the stream's settings as a starting point, until the user types their own
      const input = this.$(`.tune [name=${field}]`);
      if (input.value === "" && document.activeElement !== input) {
        input.value = field === "rate" ? stream.target_rows_per_second : stream.batch_size;
      }
    }
    this.chart.add(time, stream);
    // drift_events counts the events that have started by the rows emitted, "drift now"'s included
    if (this.driftEvents !== null && stream.drift_events > this.driftEvents) {
      const requested = this.drift !== null && !this.drift.marked && stream.rows >= this.drift.row;
      if (requested) this.drift.marked = true;
      this.chart.mark(time, requested ? "drift now" : "drift");
    }
    this.driftEvents = stream.drift_events;
    this.readings.push({ time, rows: stream.rows, columns: stream.columns });
    if (this.readings.length > READINGS) this.readings.shift();
    this.showStreamers(stream.streamers, streamers);
    this.showMeans();
  }

  // Chips for the streamers attached (each with its detach button), the others offered to attach.
  showStreamers(attached, all) {
    const key = JSON.stringify([attached, all]);
    if (key === this.streamersShown) return; // rebuilt only on change, so a chosen option stays
    this.streamersShown = key;
    const chips = attached.map((streamer) => {
      const chip = document.createElement("span");
      chip.className = "chip";
      const label = document.createElement("span");
      label.className = "label";
      label.textContent = streamer;
      chip.append(label);
      const detach = document.createElement("button");
      detach.type = "button";
      detach.className = "quiet";
      detach.textContent = "×";
      detach.title = `detach ${streamer}`;
      detach.setAttribute("aria-label", `detach ${streamer}`);
      detach.addEventListener("click", () =>
        this.actions.run(this.$(".problem"), () => call("DELETE", streamPath(this.name, "streamers", streamer))),
      );
      chip.append(detach);
      return chip;
    });
    this.$(".attached").replaceChildren(...chips);
    const select = this.$(".attach select");
    select.replaceChildren(
      ...all.filter((s) => !attached.includes(s)).map((s) => new Option(s, s)),
    );
    select.hidden = this.$(".attach-button").hidden = select.options.length === 0;
  }

  // The means of the rows before the drift's row (the last BEFORE_SECONDS of readings before it) and
  // of the rows since; the readings that straddle the row are left out of both.
  showMeans() {
    if (this.drift === null) return;
    const cut = this.readings.findIndex((r) => r.rows >= this.drift.row);
    const body = this.$(".before-after tbody");
    if (cut < 1) {
      body.replaceChildren(placeholder(`waiting for row ${integer.format(this.drift.row)}`));
      return;
    }
    const last = this.readings[cut - 1];
    const first = this.readings.find((r) => r.time >= last.time - BEFORE_SECONDS);
    const before = means(first === last ? { columns: {} } : first, last);
    const after = means(this.readings[cut], this.readings[this.readings.length - 1]);
    const rows = Object.keys(before).map((column) => {
      const tr = document.createElement("tr");
      const change = before[column] === null || after[column] === null ? null : after[column] - before[column];
      for (const text of [column, before[column], after[column], change]) {
        const td = document.createElement("td");
        td.textContent = typeof text === "number" ? decimal.format(text) : text ?? "–";
        tr.append(td);
      }
      return tr;
    });
    body.replaceChildren(...rows);
  }

  // After POST /stop: the rows it wrote, and the card kept (with its chart) until closed.
  stopped(answer) {
    const rows = answer.stopped[this.name];
    this.end(`stopped after ${integer.format(rows)} rows`);
    this.finalRows = rows;
    this.$(".rows").textContent = integer.format(rows);
  }

  end(state) {
    this.ended = true;
    this.endedAt = Date.now();
    this.finalRows = this.readings.at(-1)?.rows ?? 0;
    this.$(".state").textContent = state;
    this.$(".state").dataset.state = "ended";
    this.$(".stop").textContent = "Close";
    for (const control of this.node.querySelectorAll(".controls button, .controls input, .controls select")) {
      control.disabled = true;
    }
  }
}

function placeholder(text) {
  const tr = document.createElement("tr");
  const td = document.createElement("td");
  td.colSpan = 4;
  td.className = "muted";
  td.textContent = text;
  tr.append(td);
  return tr;
}

export class Streams {
  constructor(container, template, actions) {
    this.container = container;
    this.template = template;
    this.actions = actions;
    this.cards = new Map();
  }

  running(name) {
    const card = this.cards.get(name);
    return Boolean(card && !card.ended);
  }

  // The page started `name` again: its next reading is the new stream, whatever its rows.
  restarted(name) {
    const card = this.cards.get(name);
    if (card?.ended) card.endedAt = 0;
  }

  // A status reading: cards for new streams, figures for running ones, the end of those gone.
  update(status, time, streamers) {
    for (const [name, stream] of Object.entries(status.streams)) {
      let card = this.cards.get(name);
      // A reading sent before the stop answered (readings come every second) still shows the old stream;
      // after that, or with fewer rows, it is a stream started again.
      const stale = card?.ended && stream.rows >= card.finalRows && Date.now() - card.endedAt < 2000;
      if (stale) continue;
      if (card?.ended) card.node.remove(); // started again: a fresh card and chart
      if (!card || card.ended) {
        card = new StreamCard(name, this.template, this.actions);
        this.container.prepend(card.node);
        card.start();
        this.cards.set(name, card);
      }
      card.update(time, stream, streamers);
    }
    for (const [name, card] of this.cards) {
      if (!(name in status.streams) && !card.ended) card.end("stopped");
    }
  }
}
