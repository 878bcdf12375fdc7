//! The analysis' charts, one module each: [`spectrum`] (latency percentiles on a
//! log "nines" axis), [`timeline`] (operations per second of both runs on one time
//! axis, with their errors and p50/p95/p99 latency), [`pool`] (a database workload's throughput and efficiency against pool
//! size), [`batch`](mod@batch) (an ML workload's samples/s and latency against batch size),
//! [`cache`] (a cache workload's hit rate, beside the ideal, and its hit and miss
//! latency against capacity as a share of the keyspace), [`capacity`](mod@capacity)
//! (a capacity search's p50/p95/p99 against the offered rate, with the SLO and
//! each run's bracket), [`cost`] (the 30-day
//! daily cost) and, for the history of three or more runs, [`trend`] (a metric's
//! value at each run, with its slope per day). The numbers come from `perfproof_shared::charts`; this module
//! draws them with plotters into an SVG string and puts each chart in a
//! `<figure>` beside a table of the same numbers, whose cells carry the exact
//! values (`data-x`, `data-y`, `data-run`, and `data-part` where a run has
//! several lines) for tests.

pub mod batch;
pub mod cache;
pub mod capacity;
pub mod cost;
pub mod pool;
pub mod spectrum;
pub mod timeline;
pub mod trend;

use leptos::prelude::*;
use perfproof_shared::format::group_thousands;
use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

/// The baseline's colour: a deep orange, at least 3:1 against both themes' cards
/// (the charts have no background of their own: they follow the page's theme).
const BASELINE: RGBColor = RGBColor(0xCC, 0x70, 0x00);
/// The optimized run's colour: a mid blue, readable on light and dark backgrounds.
const OPTIMIZED: RGBColor = RGBColor(0x2F, 0x8F, 0xE0);
/// Axes, labels, the legend's frame and reference lines (such as an ideal):
/// mid grey, readable on either background.
const INK: RGBColor = RGBColor(0x88, 0x88, 0x88);
/// The two runs, in the order of [`runs`]' lines.
pub(crate) const RUNS: [(&str, RGBColor); 2] = [("baseline", BASELINE), ("optimized", OPTIMIZED)];

/// One line of a chart, and one column of its table.
pub struct Series {
    /// The run it shows (`baseline`, `optimized`), or a reference such as
    /// `ideal`: its cells' `data-run`.
    pub run: &'static str,
    /// Which of a run's lines it is, when a chart draws more than one per run
    /// (`hit`, `miss`): its cells' `data-part`.
    pub part: Option<&'static str>,
    pub colour: RGBColor,
    pub stroke: Stroke,
    pub points: Vec<(f64, f64)>,
}

/// How a series is drawn.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Stroke {
    /// A solid line through its points, each marked by a dot.
    Solid,
    /// A dashed line through its points, each marked by a dot.
    Dashed,
    /// A dotted line through its points, each marked by a dot.
    Dotted,
    /// A ring at each point and no line: for values known only where they are
    /// (an ideal at the capacities measured), which a line would make up between.
    Rings,
}

impl Series {
    /// The run's line in its colour, solid.
    pub fn of_run(run: usize, points: Vec<(f64, f64)>) -> Series {
        let (name, colour) = RUNS[run.min(1)];
        Series { run: name, part: None, colour, stroke: Stroke::Solid, points }
    }

    /// The name in the legend and the table's header.
    fn name(&self) -> String {
        match self.part {
            Some(part) => format!("{} {part}", self.run),
            None => self.run.to_string(),
        }
    }
}

/// The baseline's and the optimized run's lines, solid, in their colours.
pub fn runs(lines: [Vec<(f64, f64)>; 2]) -> Vec<Series> {
    lines.into_iter().enumerate().map(|(run, points)| Series::of_run(run, points)).collect()
}

/// A line chart of baseline against optimized (and any reference line).
pub struct LineChart {
    pub title: String,
    /// The x axis' label, with its unit.
    pub x_desc: &'static str,
    /// The y axis' label, with its unit.
    pub y_desc: String,
    /// The unit of y, for the table's headers.
    pub y_unit: String,
    /// How an x tick is written.
    pub x_tick: fn(&f64) -> String,
    pub series: Vec<Series>,
}

/// One row of a chart's table: the x value and each series' y value, in the
/// chart's order (none when that series has no point there).
pub struct Row {
    pub label: String,
    pub x: f64,
    pub values: Vec<Option<f64>>,
}

/// One row per x value any series has, in increasing x, labelled by `label`.
pub fn rows_by_x(series: &[Series], label: fn(&f64) -> String) -> Vec<Row> {
    let mut xs: Vec<f64> = series.iter().flat_map(|s| s.points.iter().map(|p| p.0)).collect();
    xs.sort_by(f64::total_cmp);
    xs.dedup();
    xs.into_iter()
        .map(|x| Row {
            label: label(&x),
            x,
            values: series.iter().map(|s| s.points.iter().find(|p| p.0 == x).map(|p| p.1)).collect(),
        })
        .collect()
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

/// The SVG's size in pixels (it scales with the page).
const WIDTH: u32 = 640;
const HEIGHT: u32 = 320;
/// Room above the plot for the title.
const TITLE_HEIGHT: u32 = 28;
/// The legend's text size (as plotters sizes text: it writes a size of 12 as
/// 12 / 1.24 px), and a width every character of it fits in.
const LEGEND_FONT_PX: f64 = 12.0 / 1.24;
const LEGEND_CHAR_WIDTH: i32 = 7;

/// Draws `chart` into an SVG document.
///
/// Plotters draws the title, axes, grid, solid lines and dots. Dashed and dotted
/// lines and the legend are written here, after it, as plain SVG: plotters makes
/// an element of every dash (some 1,400 for the latency timelines of two
/// reports), and in the browser it measures a legend's text by adding it to the
/// page and reading its size, which lays out the whole page again for every
/// line. Nothing here asks plotters to measure text: the legend's width comes
/// from a per-character width every glyph of its font fits in, and labels are
/// anchored by the SVG itself.
fn draw(chart: &LineChart) -> Result<String, String> {
    let mut svg = String::new();
    let mut overlay = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, (WIDTH, HEIGHT)).into_drawing_area();
        let points = || chart.series.iter().flat_map(|s| &s.points);
        let x = span(points().map(|p| p.0), false);
        let y = span(points().map(|p| p.1 * 1.05), true);
        let font = |size| ("sans-serif", size).into_font().color(&INK);
        let title_style = font(16).pos(Pos::new(HPos::Center, VPos::Top));
        root.draw(&Text::new(chart.title.as_str(), (WIDTH as i32 / 2, 10), title_style)).map_err(|e| e.to_string())?;
        let build = |margin_right: u32| {
            ChartBuilder::on(&root)
                .margin(12)
                .margin_top(TITLE_HEIGHT + 8)
                .margin_right(margin_right)
                .x_label_area_size(44)
                .y_label_area_size(64)
                .build_cartesian_2d(x.clone(), y.clone())
                .map_err(|e| e.to_string())
        };
        // The legend goes where it covers no data; when no place in the plot is
        // free, the plot narrows and the legend stands beside it.
        let size = legend_size(&chart.series);
        let plot = build(32)?;
        let drawn: Vec<(Vec<(i32, i32)>, Stroke)> =
            chart.series.iter().map(|s| (s.points.iter().map(|p| plot.backend_coord(p)).collect(), s.stroke)).collect();
        let (mut plot, legend_at) = match free_place(&drawn, plot.plotting_area().get_pixel_range(), size) {
            Some(place) => (plot, place),
            None => {
                let plot = build(32 + size.0 as u32 + 16)?;
                let (columns, rows) = plot.plotting_area().get_pixel_range();
                (plot, (columns.end + 16, rows.start))
            }
        };
        plot.configure_mesh()
            .x_desc(chart.x_desc)
            .y_desc(chart.y_desc.as_str())
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
        for series in &chart.series {
            let style = series.colour.stroke_width(2);
            let line = series.points.iter().copied();
            match series.stroke {
                Stroke::Solid => plot.draw_series(LineSeries::new(line, style)).map(drop),
                Stroke::Rings => plot.draw_series(line.map(|p| Circle::new(p, 6, style))).map(drop),
                Stroke::Dashed | Stroke::Dotted => {
                    let pixels: Vec<(i32, i32)> = series.points.iter().map(|p| plot.backend_coord(p)).collect();
                    overlay.push_str(&polyline(&pixels, series.colour, series.stroke));
                    Ok(())
                }
            }
            .map_err(|e| e.to_string())?;
            if series.stroke != Stroke::Rings {
                // Dots, so that a line of one point (a run at one pool size) still shows.
                plot.draw_series(series.points.iter().map(|&p| Circle::new(p, 3, series.colour.filled())))
                    .map_err(|e| e.to_string())?;
            }
        }
        overlay.push_str(&legend(&chart.series, legend_at));
        root.present().map_err(|e| e.to_string())?;
    }
    let end = svg.rfind("</svg>").ok_or("plotters wrote no SVG")?;
    svg.insert_str(end, &overlay);
    Ok(svg)
}

/// An SVG colour.
fn hex(colour: RGBColor) -> String {
    format!("#{:02X}{:02X}{:02X}", colour.0, colour.1, colour.2)
}

/// The dash pattern of a stroke (none for a solid line).
fn dashes(stroke: Stroke) -> &'static str {
    match stroke {
        Stroke::Dashed => r#" stroke-dasharray="6 4""#,
        Stroke::Dotted => r#" stroke-dasharray="2 3""#,
        Stroke::Solid | Stroke::Rings => "",
    }
}

/// One SVG polyline through `pixels`, 2 px wide, in `colour` with `stroke`'s dashes.
fn polyline(pixels: &[(i32, i32)], colour: RGBColor, stroke: Stroke) -> String {
    let points: Vec<String> = pixels.iter().map(|(x, y)| format!("{x},{y}")).collect();
    format!(
        r#"<polyline fill="none" stroke="{}" stroke-width="2"{} points="{}"/>"#,
        hex(colour),
        dashes(stroke),
        points.join(" ")
    )
}

/// The legend's rows: their height, the stroke sample's width, and the padding.
const LEGEND_LINE: i32 = 18;
const LEGEND_SAMPLE: i32 = 20;
const LEGEND_PAD: i32 = 8;

/// The legend's width and height in pixels.
fn legend_size(series: &[Series]) -> (i32, i32) {
    let widest = series.iter().map(|s| s.name().chars().count() as i32).max().unwrap_or(0);
    let width = LEGEND_PAD + LEGEND_SAMPLE + LEGEND_PAD + widest * LEGEND_CHAR_WIDTH + LEGEND_PAD;
    (width, LEGEND_PAD + LEGEND_LINE * series.len() as i32)
}

/// A place for the legend inside the plotting area where it covers none of the
/// drawn series (their points and the lines between them): a corner (top left, top
/// right, bottom left, bottom right, in that order of preference), else the first
/// free place scanning the area row by row; `None` when no place is free.
fn free_place(
    drawn: &[(Vec<(i32, i32)>, Stroke)],
    (columns, rows): (std::ops::Range<i32>, std::ops::Range<i32>),
    (width, height): (i32, i32),
) -> Option<(i32, i32)> {
    const INSET: i32 = 8;
    const MARGIN: f64 = 4.0;
    // The series as points every 2 px along their lines (rings: their points only).
    let mut samples: Vec<(f64, f64)> = Vec::new();
    for (points, stroke) in drawn {
        let point = |&(x, y): &(i32, i32)| (f64::from(x), f64::from(y));
        samples.extend(points.iter().map(point));
        if *stroke == Stroke::Rings {
            continue;
        }
        for pair in points.windows(2) {
            let ((x0, y0), (x1, y1)) = (point(&pair[0]), point(&pair[1]));
            let steps = ((x1 - x0).hypot(y1 - y0) / 2.0).ceil().max(1.0) as usize;
            samples
                .extend((1..steps).map(|i| i as f64 / steps as f64).map(|t| (x0 + (x1 - x0) * t, y0 + (y1 - y0) * t)));
        }
    }
    let covered = |&(x, y): &(i32, i32)| {
        let (left, top) = (f64::from(x) - MARGIN, f64::from(y) - MARGIN);
        let (right, bottom) = (f64::from(x + width) + MARGIN, f64::from(y + height) + MARGIN);
        samples.iter().filter(|&&(px, py)| px >= left && px <= right && py >= top && py <= bottom).count()
    };
    let (left, right) = (columns.start + INSET, columns.end - INSET - width);
    let (top, bottom) = (rows.start + INSET, rows.end - INSET - height);
    let corners = [(left, top), (right, top), (left, bottom), (right, bottom)];
    let scan = (top..=bottom).step_by(12).flat_map(|y| (left..=right).step_by(24).map(move |x| (x, y)));
    corners.into_iter().chain(scan).find(|place| covered(place) == 0)
}

/// The legend as SVG, its top left corner at `(x, y)`: one line per series, its
/// stroke (or ring) beside its name, in a framed box.
fn legend(series: &[Series], (x, y): (i32, i32)) -> String {
    const LINE: i32 = LEGEND_LINE;
    const SAMPLE: i32 = LEGEND_SAMPLE;
    const PAD: i32 = LEGEND_PAD;
    let (width, height) = legend_size(series);
    let ink = hex(INK);
    let mut svg = format!(
        r#"<rect x="{x}" y="{y}" width="{width}" height="{height}" fill="{ink}" fill-opacity="0.12" stroke="{ink}"/>"#
    );
    for (i, s) in series.iter().enumerate() {
        let middle = y + PAD / 2 + LINE * i as i32 + LINE / 2;
        let (from, to) = (x + PAD, x + PAD + SAMPLE);
        svg.push_str(&match s.stroke {
            Stroke::Rings => format!(
                r#"<circle cx="{}" cy="{middle}" r="5" fill="none" stroke="{}" stroke-width="2"/>"#,
                from + SAMPLE / 2,
                hex(s.colour)
            ),
            stroke => polyline(&[(from, middle), (to, middle)], s.colour, stroke),
        });
        svg.push_str(&format!(
            r#"<text x="{}" y="{middle}" dy="0.5ex" font-family="sans-serif" font-size="{LEGEND_FONT_PX:.2}" fill="{ink}">{}</text>"#,
            to + PAD,
            escape(&s.name())
        ));
    }
    svg
}

/// `text` as SVG character data.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

/// A chart and its table in one `<figure data-testid=testid>`: one column per
/// series. Each value cell shows `decimals` decimals and holds the exact value
/// in `data-y`.
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
    let columns: Vec<(&'static str, Option<&'static str>)> = chart.series.iter().map(|s| (s.run, s.part)).collect();
    let rows = rows
        .into_iter()
        .map(|row| {
            let cells = columns
                .iter()
                .zip(row.values)
                .map(|(&(run, part), value)| {
                    view! {
                        <td data-run=run data-part=part data-x=row.x.to_string() data-y=value.map(|v| v.to_string())>
                            {value.map(|v| group_thousands(v, decimals))}
                        </td>
                    }
                })
                .collect_view();
            view! { <tr><th scope="row">{row.label}</th>{cells}</tr> }
        })
        .collect_view();
    let headers =
        chart.series.iter().map(|s| view! { <th>{format!("{} ({})", s.name(), chart.y_unit)}</th> }).collect_view();
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

/// What a chart against a size (pool size, batch size, cache capacity) shows.
pub struct SizeChart {
    pub title: String,
    pub testid: &'static str,
    /// The x axis' label with its unit, and the table's header for x.
    pub x_desc: &'static str,
    pub x_header: &'static str,
    pub y_desc: &'static str,
    pub y_unit: &'static str,
    /// How an x value is written, on the axis and in the table
    /// ([`whole_tick`] for whole-number sizes, [`tick`] for shares).
    pub x_tick: fn(&f64) -> String,
    /// Decimals of the table's values.
    pub decimals: usize,
}

/// A chart of `series` (baseline against optimized, and any reference) over
/// sizes, with its table: one row per size any series has.
pub fn size_chart(chart: SizeChart, series: Vec<Series>) -> AnyView {
    let rows = rows_by_x(&series, chart.x_tick);
    let plot = LineChart {
        title: chart.title,
        x_desc: chart.x_desc,
        y_desc: chart.y_desc.into(),
        y_unit: chart.y_unit.into(),
        x_tick: chart.x_tick,
        series,
    };
    figure(chart.testid, plot, chart.x_header, chart.decimals, rows)
}
