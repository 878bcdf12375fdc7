//! The analysis' charts, one module each: [`spectrum`] (latency percentiles on a
//! log "nines" axis), [`timeline`] (operations per second of both runs on one time
//! axis), [`pool`] (a database workload's throughput and efficiency against pool
//! size), [`batch`] (an ML workload's samples/s and latency against batch size)
//! and [`cost`] (the 30-day daily cost). The numbers come from
//! `perfproof_shared::charts`; this module draws them with plotters into an SVG
//! string and puts each chart in a `<figure>` beside a table of the same numbers,
//! whose cells carry the exact values (`data-x`, `data-y`, `data-run`) for tests.

pub mod batch;
pub mod cost;
pub mod pool;
pub mod spectrum;
pub mod timeline;

use leptos::prelude::*;
use perfproof_shared::metrics::group_thousands;
use plotters::prelude::*;

/// The baseline's colour: a deep orange, at least 3:1 against both themes' cards
/// (the charts have no background of their own: they follow the page's theme).
const BASELINE: RGBColor = RGBColor(0xCC, 0x70, 0x00);
/// The optimized run's colour: a mid blue, readable on light and dark backgrounds.
const OPTIMIZED: RGBColor = RGBColor(0x2F, 0x8F, 0xE0);
/// Axes, labels and the legend's frame: mid grey, readable on either background.
const INK: RGBColor = RGBColor(0x88, 0x88, 0x88);
/// The two runs, in the order of a [`Row`]'s values.
const RUNS: [(&str, RGBColor); 2] = [("baseline", BASELINE), ("optimized", OPTIMIZED)];

/// A line chart of baseline against optimized.
pub struct LineChart {
    pub title: String,
    /// The x axis' label, with its unit.
    pub x_desc: &'static str,
    /// The y axis' label, with its unit.
    pub y_desc: &'static str,
    /// The unit of y, for the table's headers.
    pub y_unit: &'static str,
    /// How an x tick is written.
    pub x_tick: fn(&f64) -> String,
    /// The baseline's points, then the optimized run's.
    pub lines: [Vec<(f64, f64)>; 2],
}

/// One row of a chart's table: the x value and each run's y value (none when
/// that run has no point there).
pub struct Row {
    pub label: String,
    pub x: f64,
    pub values: [Option<f64>; 2],
}

/// A tick value with at most three decimals and no trailing zeros: 60000, 2.5, 0.125.
fn tick(value: &f64) -> String {
    let text = format!("{value:.3}");
    text.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A tick on an axis of whole numbers (seconds, days): blank between them.
pub fn whole_tick(value: &f64) -> String {
    if value.fract() == 0.0 {
        format!("{value:.0}")
    } else {
        String::new()
    }
}

/// The span of `values` (a unit span when they are all equal or there are none).
fn span(values: impl Iterator<Item = f64>, from_zero: bool) -> std::ops::Range<f64> {
    let (low, high) = values.fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), v| (l.min(v), h.max(v)));
    let low = if from_zero || !low.is_finite() { 0.0 } else { low };
    let high = if high.is_finite() && high > low { high } else { low + 1.0 };
    low..high
}

/// Draws `chart` into an SVG document.
fn draw(chart: &LineChart) -> Result<String, String> {
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (640, 320)).into_drawing_area();
        let points = || chart.lines.iter().flatten();
        let x = span(points().map(|p| p.0), false);
        let y = span(points().map(|p| p.1 * 1.05), true);
        let font = |size| ("sans-serif", size).into_font().color(&INK);
        let mut plot = ChartBuilder::on(&root)
            .caption(&chart.title, font(16))
            .margin(12)
            .margin_right(32)
            .x_label_area_size(44)
            .y_label_area_size(64)
            .build_cartesian_2d(x, y)
            .map_err(|e| e.to_string())?;
        plot.configure_mesh()
            .x_desc(chart.x_desc)
            .y_desc(chart.y_desc)
            .x_labels(5)
            .x_label_formatter(&chart.x_tick)
            .y_label_formatter(&tick)
            .axis_style(INK)
            .bold_line_style(INK.mix(0.25))
            .light_line_style(TRANSPARENT)
            .label_style(font(12))
            .axis_desc_style(font(13))
            .draw()
            .map_err(|e| e.to_string())?;
        for ((name, colour), line) in RUNS.into_iter().zip(&chart.lines) {
            plot.draw_series(LineSeries::new(line.iter().copied(), colour.stroke_width(2)))
                .map_err(|e| e.to_string())?
                .label(name)
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], colour.stroke_width(2)));
            // Markers, so that a line of one point (a run at one pool size) still shows.
            plot.draw_series(line.iter().map(|&p| Circle::new(p, 3, colour.filled()))).map_err(|e| e.to_string())?;
        }
        plot.configure_series_labels()
            .position(SeriesLabelPosition::UpperLeft)
            .label_font(font(12))
            .border_style(INK)
            .background_style(INK.mix(0.12))
            .draw()
            .map_err(|e| e.to_string())?;
        root.present().map_err(|e| e.to_string())?;
    }
    Ok(svg)
}

/// A chart and its table in one `<figure data-testid=testid>`. Each value cell
/// shows `decimals` decimals and holds the exact value in `data-y`.
pub fn figure(
    testid: &'static str,
    chart: LineChart,
    x_header: &'static str,
    decimals: usize,
    rows: Vec<Row>,
) -> AnyView {
    let plot = match draw(&chart) {
        Ok(svg) => {
            view! { <div class="plot" role="img" aria-label=chart.title.clone() inner_html=svg></div> }.into_any()
        }
        Err(e) => view! { <p class="message error">{format!("This chart could not be drawn: {e}")}</p> }.into_any(),
    };
    let rows = rows
        .into_iter()
        .map(|row| {
            let cells = RUNS
                .into_iter()
                .zip(row.values)
                .map(|((run, _), value)| {
                    view! {
                        <td data-run=run data-x=row.x.to_string() data-y=value.map(|v| v.to_string())>
                            {value.map(|v| group_thousands(v, decimals))}
                        </td>
                    }
                })
                .collect_view();
            view! { <tr><th scope="row">{row.label}</th>{cells}</tr> }
        })
        .collect_view();
    let headers = RUNS.iter().map(|(run, _)| view! { <th>{format!("{run} ({})", chart.y_unit)}</th> }).collect_view();
    view! {
        <figure class="chart" data-testid=testid>
            {plot}
            <div class="chart-table">
                <table>
                    <thead><tr><th>{x_header}</th>{headers}</tr></thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </figure>
    }
    .into_any()
}

/// What a chart against a size (pool size, batch size) shows.
pub struct SizeChart {
    pub title: String,
    pub testid: &'static str,
    /// The x axis' label with its unit, and the table's header for x.
    pub x_desc: &'static str,
    pub x_header: &'static str,
    pub y_desc: &'static str,
    pub y_unit: &'static str,
}

/// A chart of baseline against optimized over whole-number sizes, with its table:
/// one row per size either run has.
pub fn size_chart(chart: SizeChart, lines: [Vec<(u32, f64)>; 2]) -> AnyView {
    let mut sizes = std::collections::BTreeMap::<u32, [Option<f64>; 2]>::new();
    for (run, line) in lines.iter().enumerate() {
        for &(size, y) in line {
            sizes.entry(size).or_default()[run] = Some(y);
        }
    }
    let rows =
        sizes.into_iter().map(|(size, values)| Row { label: size.to_string(), x: f64::from(size), values }).collect();
    let as_points = |line: &Vec<(u32, f64)>| line.iter().map(|&(x, y)| (f64::from(x), y)).collect();
    let plot = LineChart {
        title: chart.title,
        x_desc: chart.x_desc,
        y_desc: chart.y_desc,
        y_unit: chart.y_unit,
        x_tick: whole_tick,
        lines: [as_points(&lines[0]), as_points(&lines[1])],
    };
    figure(chart.testid, plot, chart.x_header, 1, rows)
}
