// The console's charts, drawn by uPlot (vendored; a global loaded before this module): a stream's live
// figures with drift marks, and a column's histogram.

/* global uPlot */

const BLUE = "#2563eb";
const SLATE = "#64748b";
const ORANGE = "#ea580c";
const RED = "#dc2626"; // drift marks alone, so they stand out
const VIOLET = "#7c3aed";
const KEPT = 300; // points a live chart keeps: five minutes of one status a second

const compact = new Intl.NumberFormat("en", { notation: "compact", maximumFractionDigits: 1 });
const counts = (u, ticks) => ticks.map((t) => compact.format(t));

// uPlot draws at a fixed size: follow the container's width.
function fitWidth(plot, element) {
  new ResizeObserver(() => plot.setSize({ width: element.clientWidth, height: plot.height })).observe(element);
}

// Vertical dashed lines at the times in `marks`, labelled, drawn over the plot area.
function markPlugin(marks) {
  return {
    hooks: {
      draw: (u) => {
        const { ctx } = u;
        const { left, top, width, height } = u.bbox;
        ctx.save();
        ctx.strokeStyle = RED;
        ctx.fillStyle = RED;
        ctx.lineWidth = 2 * devicePixelRatio;
        ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
        ctx.font = `${11 * devicePixelRatio}px system-ui, sans-serif`;
        for (const mark of marks) {
          const x = Math.round(u.valToPos(mark.time, "x", true));
          if (x < left || x > left + width) continue;
          ctx.beginPath();
          ctx.moveTo(x, top);
          ctx.lineTo(x, top + height);
          ctx.stroke();
          const gap = 4 * devicePixelRatio;
          const text = ctx.measureText(mark.label).width;
          const right = x + gap + text <= left + width; // the label's side that stays inside the plot
          ctx.fillText(mark.label, right ? x + gap : x - gap - text, top + 12 * devicePixelRatio);
        }
        ctx.restore();
      },
    },
  };
}

// A stream's rows/s (actual and target) on the left axis, lag and errors on the right, over time.
export class LiveChart {
  constructor(element) {
    this.element = element;
    this.data = [[], [], [], [], []];
    this.marks = [];
    this.plot = new uPlot(
      {
        width: element.clientWidth || 600,
        height: 220,
        plugins: [markPlugin(this.marks)],
        scales: { x: { time: true }, rate: { range: (u, lo, hi) => [0, Math.max(hi * 1.15, 1)] }, side: { range: (u, lo, hi) => [0, Math.max(hi * 1.15, 1)] } },
        series: [
          { label: "time" },
          { label: "rows/s", scale: "rate", stroke: BLUE, width: 2, value: (u, v) => (v == null ? "-" : compact.format(v)) },
          { label: "target rows/s", scale: "rate", stroke: SLATE, width: 1.5, dash: [8, 5], value: (u, v) => (v == null ? "-" : compact.format(v)) },
          { label: "lag (s)", scale: "side", stroke: ORANGE, width: 1.5 },
          { label: "errors", scale: "side", stroke: VIOLET, width: 1.5 },
        ],
        axes: [
          { label: "time", labelSize: 20 },
          { label: "rows/s", scale: "rate", values: counts, size: 60 },
          { label: "lag (s) · errors", scale: "side", side: 1, grid: { show: false }, size: 50 },
        ],
      },
      this.data,
      element,
    );
    fitWidth(this.plot, element);
  }

  // One status reading of the stream at `time` (seconds since the epoch).
  add(time, stream) {
    const values = [time, stream.rows_per_second, stream.target_rows_per_second, stream.lag_seconds, stream.errors];
    values.forEach((v, i) => {
      this.data[i].push(v);
      if (this.data[i].length > KEPT) this.data[i].shift();
    });
    this.plot.setData(this.data);
  }

  mark(time, label) {
    this.marks.push({ time, label });
    this.element.dataset.marks = this.marks.length; // what a reader (or a test) can see without pixels
    this.plot.redraw(false);
  }
}

// A histogram of `values` (numbers) in `element`, its x axis named `label`. Integers spanning fewer
// values than bins get a bar each, so a small range does not show empty bins between the integers.
export function histogram(element, values, label) {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  const integers = values.every(Number.isInteger);
  let bins = 30;
  if (integers) {
    // Whole numbers of values per bin: 71 ages in 30 bins of 2.37 would alternate 2 and 3 values.
    const step = Math.ceil((hi - lo + 1) / bins);
    bins = Math.ceil((hi - lo + 1) / step);
    lo -= 0.5;
    hi = lo + bins * step;
  } else if (hi === lo) {
    lo -= 0.5;
    hi += 0.5;
    bins = 1;
  }
  const width = (hi - lo) / bins;
  const heights = new Array(bins).fill(0);
  for (const v of values) heights[Math.min(bins - 1, Math.floor((v - lo) / width))] += 1;
  const centers = heights.map((_, i) => lo + (i + 0.5) * width);
  const plot = new uPlot(
    {
      width: element.clientWidth || 280,
      height: 150,
      legend: { show: false },
      cursor: { show: false },
      scales: { x: { time: false, range: [lo, hi] }, y: { range: (u, l, h) => [0, h * 1.1] } },
      series: [
        {},
        { stroke: BLUE, fill: "rgba(37, 99, 235, 0.35)", paths: uPlot.paths.bars({ size: [1, Infinity], gap: 1 }) },
      ],
      axes: [
        { label, labelSize: 18, values: counts },
        { label: "rows", values: counts, size: 44, labelSize: 18 },
      ],
    },
    [centers, heights],
    element,
  );
  fitWidth(plot, element);
  return plot;
}
