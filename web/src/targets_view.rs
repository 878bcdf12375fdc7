//! The targets, edited in place: a text area holding the targets file (TOML),
//! starting from shared's defaults; a pasted or edited file is read by
//! `perfproof_shared::targets::parse_targets` a moment after the last keystroke,
//! and the grade and the targets table follow. A file that does not parse shows
//! the parser's error (the line, or the target and rule at fault) while the last
//! valid targets stay in force.

use leptos::prelude::*;
use perfproof_shared::targets::default_targets_toml;

use crate::state::use_app_state;

/// How long the editor waits after the last keystroke before reading the file.
const SETTLE_MS: u64 = 250;

#[component]
pub fn TargetsEditor() -> impl IntoView {
    let state = use_app_state();
    let pending = StoredValue::new(None::<TimeoutHandle>);
    let on_input = move |ev: leptos::ev::Event| {
        let text = event_target_value(&ev);
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        let handle =
            set_timeout_with_handle(move || state.set_targets(text), std::time::Duration::from_millis(SETTLE_MS)).ok();
        pending.set_value(handle);
    };
    let reset = move |_| {
        if let Some(handle) = pending.get_value() {
            handle.clear();
        }
        state.set_targets(default_targets_toml());
    };
    let edited = move || state.targets_text.with(|t| *t != default_targets_toml());
    view! {
        <details class="targets-editor" data-testid="targets-editor" open=edited>
            <summary>"Edit the targets"</summary>
            <p class="muted">
                "One " <code>"[[target]]"</code> " per rule: " <code>"metric"</code>
                " is a metric key (" <code>"*"</code> " matches one segment), " <code>"rule"</code>
                " is " <code>"< 200 ms"</code> ", " <code>">= 90 %"</code> " or " <code>"between 25 35 %"</code>
                ". Add " <code>"extend_defaults = true"</code> " at the top to keep the defaults. The grade follows as you type."
            </p>
            <label class="targets-label" for="targets-text">"Targets file (TOML)"</label>
            <textarea id="targets-text" data-testid="targets-text" rows="14" spellcheck="false"
                aria-describedby="targets-status"
                aria-invalid=move || state.targets_error.with(Option::is_some).to_string()
                prop:value=move || state.targets_text.get()
                on:input=on_input></textarea>
            <div class="targets-actions">
                <button type="button" data-testid="targets-reset" on:click=reset disabled=move || !edited()>
                    "Back to the defaults"
                </button>
                <span id="targets-status" role="status" aria-live="polite">
                    {move || match state.targets_error.get() {
                        Some(error) => view! {
                            <span class="message error" data-testid="targets-error">
                                {format!(
                                    "These targets cannot be read: {}\nThe grade above still uses the last valid targets.",
                                    error.trim_end()
                                )}
                            </span>
                        }
                        .into_any(),
                        None => view! {
                            <span class="muted" data-testid="targets-ok">
                                {move || format!("{} targets in force.", state.settings.with(|s| s.targets.len()))}
                            </span>
                        }
                        .into_any(),
                    }}
                </span>
            </div>
        </details>
    }
}
