//! The page's state in one place: the loaded files, which two are compared, the
//! analysis settings (threshold, targets, cost inputs) and the targets editor's
//! text; and the two ways that state travels: out as a share payload
//! ([`AppState::payload`]), in from a share link or bundle ([`AppState::apply`]).
//! Packing and unpacking are `perfproof_shared::share`'s; this module only maps
//! the page's signals to a payload and back.

use leptos::prelude::*;
use perfproof_shared::analysis::AnalysisSettings;
use perfproof_shared::share::{SharePayload, ViewSettings};
use perfproof_shared::targets::{default_targets_toml, parse_targets};

use crate::analysis_view::Selection;
use crate::report_view::LoadedFile;

/// Every signal the views share. Cheap to copy.
#[derive(Clone, Copy)]
pub struct AppState {
    /// Loaded files, newest first.
    pub files: ReadSignal<Vec<LoadedFile>>,
    pub set_files: WriteSignal<Vec<LoadedFile>>,
    pub selection: RwSignal<Selection>,
    pub settings: RwSignal<AnalysisSettings>,
    /// The targets editor's text (TOML), as last applied.
    pub targets_text: RwSignal<String>,
    /// Why `targets_text` is not valid targets; the analysis then keeps the last valid ones.
    pub targets_error: RwSignal<Option<String>>,
}

impl AppState {
    pub fn new() -> Self {
        let (files, set_files) = signal(Vec::<LoadedFile>::new());
        AppState {
            files,
            set_files,
            selection: RwSignal::new(Selection::default()),
            settings: RwSignal::new(AnalysisSettings::default()),
            targets_text: RwSignal::new(default_targets_toml()),
            targets_error: RwSignal::new(None),
        }
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
        let chosen = self.selection.get().settle(&files);
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
