//! The page's model, in one place and provided to every view by context
//! ([`AppState::provide`], [`use_app_state`]): the loaded files, which two are
//! compared, the analysis settings (threshold, targets, cost inputs) and the
//! targets editor's text, with what derives from them once for every view (the
//! settled selection, the two reports, their analysis); and the two ways that
//! state travels: out as a share payload ([`AppState::payload`]), in from a share
//! link or bundle ([`AppState::apply`]). Packing and unpacking are
//! `perfproof_shared::share`'s; this module only maps the page's signals to a
//! payload and back. Views read it; none of them is imported here.

use std::sync::atomic::{AtomicUsize, Ordering};

use leptos::prelude::*;
use perfproof_shared::analysis::{analyze, Analysis, AnalysisSettings};
use perfproof_shared::share::{SharePayload, ViewSettings};
use perfproof_shared::targets::{default_targets_toml, parse_targets};
use perfproof_shared::{parse_report, Report};

/// A file the user dropped, parsed (or not).
#[derive(Clone)]
pub struct LoadedFile {
    /// Unique per drop, so the same file dropped twice shows twice.
    pub id: usize,
    pub name: String,
    pub parsed: Result<Report, String>,
    /// The URL it was fetched from (`?src=`), when it was: a share link too large
    /// for a link can then offer a `?src=` link instead.
    pub source: Option<String>,
}

static NEXT_ID: AtomicUsize = AtomicUsize::new(0);

impl LoadedFile {
    pub fn parse(name: String, text: &str) -> Self {
        let parsed = if text.is_empty() {
            Err("the file is empty or could not be read as text".to_string())
        } else {
            parse_report(text).map_err(|e| e.to_string())
        };
        LoadedFile { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), name, parsed, source: None }
    }

    /// A file that could not be had at all (a hosted report that did not download).
    pub fn failed(name: String, message: String) -> Self {
        LoadedFile { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), name, parsed: Err(message), source: None }
    }

    /// A report that arrived already parsed (from a share link or bundle), with
    /// the URL it was first fetched from, if it was.
    pub fn from_report(name: String, report: Report, source: Option<String>) -> Self {
        LoadedFile { id: NEXT_ID.fetch_add(1, Ordering::Relaxed), name, parsed: Ok(report), source }
    }
}

/// Which loaded files are compared, by file id.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Selection {
    pub baseline: Option<usize>,
    pub optimized: Option<usize>,
}

impl Selection {
    /// Keeps valid choices; otherwise picks a report labelled `baseline` (or the
    /// oldest) as baseline and the newest other one as optimized.
    pub fn settle(self, files: &[LoadedFile]) -> Selection {
        let valid: Vec<&LoadedFile> = files.iter().filter(|f| f.parsed.is_ok()).collect();
        let exists = |id: Option<usize>| id.filter(|id| valid.iter().any(|f| f.id == *id));
        let oldest_first = || valid.iter().rev();
        let baseline = exists(self.baseline).or_else(|| {
            oldest_first()
                .find(|f| f.parsed.as_ref().is_ok_and(|r| r.run.label == "baseline"))
                .or_else(|| oldest_first().next())
                .map(|f| f.id)
        });
        let optimized = exists(self.optimized)
            .filter(|id| Some(*id) != baseline)
            .or_else(|| valid.iter().find(|f| Some(f.id) != baseline).map(|f| f.id));
        Selection { baseline, optimized }
    }

    /// `id` as baseline; picking the optimized report swaps the two, so the
    /// pickers never show one report on both sides.
    pub fn pick_baseline(self, id: usize) -> Selection {
        let optimized = if self.optimized == Some(id) { self.baseline } else { self.optimized };
        Selection { baseline: Some(id), optimized }
    }

    /// `id` as optimized; picking the baseline report swaps the two.
    pub fn pick_optimized(self, id: usize) -> Selection {
        let baseline = if self.baseline == Some(id) { self.optimized } else { self.baseline };
        Selection { baseline, optimized: Some(id) }
    }
}

/// Every signal the views share, and what derives from them. Cheap to copy.
#[derive(Clone, Copy)]
pub struct AppState {
    /// Loaded files, newest first.
    pub files: ReadSignal<Vec<LoadedFile>>,
    pub set_files: WriteSignal<Vec<LoadedFile>>,
    /// Which files the person picked; [`Self::current`] is what holds of it.
    pub selection: RwSignal<Selection>,
    pub settings: RwSignal<AnalysisSettings>,
    /// The targets editor's text (TOML), as last applied.
    pub targets_text: RwSignal<String>,
    /// Why `targets_text` is not valid targets; the analysis then keeps the last valid ones.
    pub targets_error: RwSignal<Option<String>>,
    /// The selection settled against the loaded files: what the pickers show.
    pub current: Memo<Selection>,
    /// The two reports compared, baseline first, once two valid ones are loaded.
    pub chosen: Memo<Option<(Report, Report)>>,
    /// Their analysis, or why it failed.
    pub result: Memo<Option<Result<Analysis, String>>>,
    /// Their analysis, when it succeeded.
    pub analysis: Memo<Option<Analysis>>,
}

impl AppState {
    /// The page's state, empty; its memos belong to the calling component.
    pub fn new() -> Self {
        let (files, set_files) = signal(Vec::<LoadedFile>::new());
        let selection = RwSignal::new(Selection::default());
        let settings = RwSignal::new(AnalysisSettings::default());
        let current = Memo::new(move |_| files.with(|files| selection.get().settle(files)));
        let chosen = Memo::new(move |_| {
            let Selection { baseline, optimized } = current.get();
            files.with(|files| report_of(files, baseline).zip(report_of(files, optimized)))
        });
        let result = Memo::new(move |_| {
            chosen
                .with(|pair| pair.as_ref().map(|(a, b)| settings.with(|s| analyze(a, b, s)).map_err(|e| e.to_string())))
        });
        let analysis = Memo::new(move |_| result.with(|r| r.as_ref().and_then(|r| r.as_ref().ok().cloned())));
        AppState {
            files,
            set_files,
            selection,
            settings,
            targets_text: RwSignal::new(default_targets_toml()),
            targets_error: RwSignal::new(None),
            current,
            chosen,
            result,
            analysis,
        }
    }

    /// Makes this the state every view below the caller reads ([`use_app_state`]).
    pub fn provide(self) {
        provide_context(self);
    }

    /// Takes `text` as the targets: graded against at once when it parses, else
    /// its error is shown and the last valid targets stay in force.
    pub fn set_targets(self, text: String) {
        match parse_targets(&text) {
            Ok(targets) => {
                self.settings.update(|s| s.targets = targets);
                self.targets_error.set(None);
            }
            Err(e) => self.targets_error.set(Some(e.to_string())),
        }
        self.targets_text.set(text);
    }

    /// The whole view as a share payload: every valid report (oldest first, with
    /// its file name and source), which two are compared, the threshold, the cost
    /// inputs and the targets when edited. `None` without two reports to compare.
    pub fn payload(self) -> Option<SharePayload> {
        let files = self.files.get();
        let valid: Vec<&LoadedFile> = files.iter().rev().filter(|f| f.parsed.is_ok()).collect();
        let chosen = self.current.get();
        let index_of = |id: Option<usize>| id.and_then(|id| valid.iter().position(|f| f.id == id));
        let (baseline, optimized) = (index_of(chosen.baseline)?, index_of(chosen.optimized)?);
        let settings = self.settings.get();
        let text = self.targets_text.get();
        let targets_toml = (text != default_targets_toml()).then_some(text);
        Some(SharePayload {
            reports: valid.iter().filter_map(|f| f.parsed.clone().ok()).collect(),
            view: ViewSettings {
                baseline: Some(baseline),
                optimized: Some(optimized),
                threshold_pct: Some(settings.compare.threshold * 100.0),
                cost: Some(settings.cost),
                names: valid.iter().map(|f| f.name.clone()).collect(),
                sources: valid.iter().map(|f| f.source.clone()).collect(),
                targets_toml,
            },
        })
    }

    /// Shows what a share link or bundle carries, in place of what was loaded.
    pub fn apply(self, payload: SharePayload) {
        let origins: Vec<(String, Option<String>)> =
            (0..payload.reports.len()).map(|i| (payload.name(i), payload.source(i))).collect();
        let files: Vec<LoadedFile> = origins
            .into_iter()
            .zip(payload.reports)
            .map(|((name, source), report)| LoadedFile::from_report(name, report, source))
            .collect();
        let id_of = |index: Option<usize>| index.and_then(|i| files.get(i)).map(|f| f.id);
        self.selection
            .set(Selection { baseline: id_of(payload.view.baseline), optimized: id_of(payload.view.optimized) });
        self.settings.update(|s| {
            if let Some(threshold) = payload.view.threshold_pct {
                s.compare.threshold = threshold / 100.0;
            }
            if let Some(cost) = payload.view.cost {
                s.cost = cost;
            }
        });
        self.set_targets(payload.view.targets_toml.unwrap_or_else(default_targets_toml));
        // Newest first, as dropped files are.
        self.set_files.set(files.into_iter().rev().collect());
    }
}

/// The page's state, as the app provided it.
pub fn use_app_state() -> AppState {
    expect_context::<AppState>()
}

fn report_of(files: &[LoadedFile], id: Option<usize>) -> Option<Report> {
    files.iter().find(|f| Some(f.id) == id).and_then(|f| f.parsed.clone().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    const BASELINE: &str = include_str!("../../static/samples/baseline.json");
    const OPTIMIZED: &str = include_str!("../../static/samples/optimized.json");

    /// Loaded files as the page holds them, newest first.
    fn newest_first(files: Vec<LoadedFile>) -> Vec<LoadedFile> {
        files.into_iter().rev().collect()
    }

    fn labelled(label: &str, text: &str) -> LoadedFile {
        let mut file = LoadedFile::parse(format!("{label}.json"), text);
        if let Ok(report) = &mut file.parsed {
            report.run.label = label.into();
        }
        file
    }

    #[test]
    fn settle_picks_the_baseline_labelled_run_then_the_newest_other() {
        let (a, b, c) =
            (labelled("candidate-1", OPTIMIZED), labelled("baseline", BASELINE), labelled("candidate-2", OPTIMIZED));
        let ids = (a.id, b.id, c.id);
        let files = newest_first(vec![a, b, c]);
        let settled = Selection::default().settle(&files);
        assert_eq!(settled, Selection { baseline: Some(ids.1), optimized: Some(ids.2) });
    }

    #[test]
    fn settle_without_a_baseline_label_takes_the_oldest_and_skips_bad_files() {
        let bad = LoadedFile::parse("broken.json".into(), "{ not json");
        let (old, new) = (labelled("run-1", BASELINE), labelled("run-2", OPTIMIZED));
        let ids = (old.id, new.id);
        let files = newest_first(vec![bad, old, new]);
        assert_eq!(Selection::default().settle(&files), Selection { baseline: Some(ids.0), optimized: Some(ids.1) });
    }

    #[test]
    fn settle_keeps_valid_choices_and_replaces_removed_or_duplicate_ones() {
        let (a, b, c) = (labelled("baseline", BASELINE), labelled("x", OPTIMIZED), labelled("y", OPTIMIZED));
        let ids = (a.id, b.id, c.id);
        let files = newest_first(vec![a, b, c]);
        let kept = Selection { baseline: Some(ids.1), optimized: Some(ids.0) };
        assert_eq!(kept.settle(&files), kept);
        let removed = Selection { baseline: Some(usize::MAX), optimized: Some(ids.1) };
        assert_eq!(removed.settle(&files), Selection { baseline: Some(ids.0), optimized: Some(ids.1) });
        let same = Selection { baseline: Some(ids.1), optimized: Some(ids.1) };
        assert_eq!(same.settle(&files), Selection { baseline: Some(ids.1), optimized: Some(ids.2) });
    }

    #[test]
    fn settle_with_one_report_has_no_optimized() {
        let only = labelled("baseline", BASELINE);
        let id = only.id;
        assert_eq!(Selection::default().settle(&[only]), Selection { baseline: Some(id), optimized: None });
    }

    #[test]
    fn picking_the_other_sides_report_swaps_the_two() {
        let s = Selection { baseline: Some(1), optimized: Some(2) };
        assert_eq!(s.pick_baseline(2), Selection { baseline: Some(2), optimized: Some(1) });
        assert_eq!(s.pick_optimized(1), Selection { baseline: Some(2), optimized: Some(1) });
        assert_eq!(s.pick_baseline(3), Selection { baseline: Some(3), optimized: Some(2) });
        assert_eq!(s.pick_optimized(3), Selection { baseline: Some(1), optimized: Some(3) });
    }

    #[test]
    fn an_empty_file_says_it_could_not_be_read() {
        let file = LoadedFile::parse("empty.json".into(), "");
        assert_eq!(file.parsed.unwrap_err(), "the file is empty or could not be read as text");
    }
}
