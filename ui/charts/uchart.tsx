// uPlot in a Preact component: sized to its container, re-created when the theme changes (its
// colours come from the CSS variables), fed new data without re-creating.
import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';

/** uPlot options without the size, which the component measures. */
export type ChartOptions = Omit<uPlot.Options, 'width' | 'height'>;

export interface Palette {
  text: string;
  muted: string;
  grid: string;
  series: string[];
  good: string;
  warn: string;
  bad: string;
}

export function palette(): Palette {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string) => css.getPropertyValue(name).trim();
  return {
    text: v('--sq-text'),
    muted: v('--sq-muted'),
    grid: v('--sq-grid'),
    series: [1, 2, 3, 4, 5, 6].map((i) => v(`--sq-chart-${i}`)),
    good: v('--sq-good'),
    warn: v('--sq-warn'),
    bad: v('--sq-bad'),
  };
}

/** Axis styling shared by every chart. */
export function axis(p: Palette, extra: Partial<uPlot.Axis> = {}): uPlot.Axis {
  return {
    stroke: p.muted,
    grid: { stroke: p.grid, width: 1 },
    ticks: { stroke: p.grid, width: 1 },
    font: '11px system-ui, sans-serif',
    ...extra,
  };
}

export function UChart({
  build,
  data,
  height = 220,
  testid,
}: {
  build: (width: number, p: Palette) => ChartOptions;
  data: uPlot.AlignedData;
  height?: number;
  testid?: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  const plot = useRef<uPlot | null>(null);
  const latest = useRef(data);
  latest.current = data;

  useEffect(() => {
    const el = box.current;
    if (!el) return;
    const create = () => {
      plot.current?.destroy();
      const width = Math.max(200, el.clientWidth);
      plot.current = new uPlot({ ...build(width, palette()), width, height }, latest.current, el);
    };
    create();
    const resize = new ResizeObserver(() => {
      const w = Math.max(200, el.clientWidth);
      if (plot.current && Math.abs(plot.current.width - w) > 2) plot.current.setSize({ width: w, height });
    });
    resize.observe(el);
    const media = window.matchMedia('(prefers-color-scheme: dark)');
    window.addEventListener('sitq-theme', create);
    media.addEventListener('change', create);
    return () => {
      resize.disconnect();
      window.removeEventListener('sitq-theme', create);
      media.removeEventListener('change', create);
      plot.current?.destroy();
      plot.current = null;
    };
  }, [build, height]);

  useEffect(() => {
    const u = plot.current;
    if (!u) return;
    // A chart the user zoomed into keeps its span when new data arrives (the live charts read
    // again every few seconds); otherwise the scales follow the data.
    const xs = u.data[0];
    const min = u.scales.x?.min;
    const max = u.scales.x?.max;
    const zoomed = xs.length > 1 && min != null && max != null && (min > xs[0] + 1e-6 || max < xs[xs.length - 1] - 1e-6);
    u.setData(data, !zoomed);
  }, [data]);

  return <div class="chart" ref={box} data-testid={testid} />;
}

/** Bars for categorical x (0..n-1), side by side when there are several series. */
export function groupedBars(seriesCount: number, seriesIndex: number): uPlot.Series.PathBuilder {
  const group = 0.8;
  const width = group / seriesCount;
  // Unit 1 = scale value: each bar starts at its category minus half the group, plus its slot.
  return uPlot.paths.bars!({
    disp: {
      x0: {
        unit: 1 as uPlot.Series.BarsPathBuilderFacetUnit,
        values: (u) => (u.data[0] as number[]).map((x) => x - group / 2 + seriesIndex * width),
      },
      size: { unit: 1 as uPlot.Series.BarsPathBuilderFacetUnit, values: (u) => (u.data[0] as number[]).map(() => width * 0.92) },
    },
  });
}
