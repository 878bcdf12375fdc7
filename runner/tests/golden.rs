//! Golden outputs: what `perfproof compare`, `metrics` and `summary` print and write
//! for the committed sample reports (`static/samples/`), byte for byte, against the
//! expected files in `tests/golden/`.
//!
//! Refactors keep these files identical. A deliberate change of output updates them
//! in the same commit: run `PERFPROOF_BLESS=1 cargo test -p perfproof --test golden`,
//! read the diff, and say in the commit message what changed and why.
//!
//! The samples are the demo profiles measured by a release build:
//! `perfproof run --demo-profile P -l P -c 4 -d 3s -w 500ms -q -o static/samples/P.json`
//! for P in baseline, optimized.

use std::path::{Path, PathBuf};
use std::process::Command;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

/// Runs `perfproof` in the workspace (so the sample paths it prints are relative),
/// and returns its stdout; the exit code must be `code`.
fn perfproof(args: &[&str], code: i32) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_perfproof")).args(args).current_dir(workspace()).output().unwrap();
    assert_eq!(out.status.code(), Some(code), "perfproof {args:?}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

/// Compares `actual` with `tests/golden/<name>`, or writes it there when
/// `PERFPROOF_BLESS` is set. Returns a description of the mismatch, if any.
fn check(name: &str, actual: &str) -> Option<String> {
    let path = workspace().join("tests/golden").join(name);
    if std::env::var_os("PERFPROOF_BLESS").is_some() {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, actual).unwrap();
        return None;
    }
    let expected = std::fs::read_to_string(&path).unwrap_or_default();
    if expected == actual {
        return None;
    }
    let line = expected
        .lines()
        .zip(actual.lines())
        .position(|(e, a)| e != a)
        .unwrap_or_else(|| expected.lines().count().min(actual.lines().count()));
    Some(format!(
        "{name} differs from line {}:\n  expected: {}\n  actual:   {}",
        line + 1,
        expected.lines().nth(line).unwrap_or("<end of file>"),
        actual.lines().nth(line).unwrap_or("<end of file>"),
    ))
}

const BASELINE: &str = "static/samples/baseline.json";
const OPTIMIZED: &str = "static/samples/optimized.json";

/// The samples' comparison regresses (cache writes are slower by design): exit 4.
const REGRESSED: i32 = 4;

#[test]
fn compare_metrics_and_summary_of_the_samples_match_the_golden_files() {
    let mut mismatches = Vec::new();
    let mut expect = |name: &str, actual: &str| mismatches.extend(check(name, actual));

    expect("compare.txt", &perfproof(&["compare", BASELINE, OPTIMIZED], REGRESSED));
    expect("compare-all.txt", &perfproof(&["compare", "--all", BASELINE, OPTIMIZED], REGRESSED));
    expect("compare.json", &perfproof(&["compare", "--json", BASELINE, OPTIMIZED], REGRESSED));
    expect("compare.md", &perfproof(&["compare", "--markdown", BASELINE, OPTIMIZED], REGRESSED));
    expect("metrics-baseline.txt", &perfproof(&["metrics", BASELINE], 0));
    expect("metrics-optimized.json", &perfproof(&["metrics", "--json", OPTIMIZED], 0));
    expect("summary-baseline.txt", &perfproof(&["summary", BASELINE], 0));
    expect("summary-optimized.json", &perfproof(&["summary", "--json", OPTIMIZED], 0));

    // The per-area files and the summary of `--results-dir`.
    let dir = tempfile::tempdir().unwrap();
    let dir_arg = dir.path().to_str().unwrap();
    perfproof(&["compare", "--results-dir", dir_arg, BASELINE, OPTIMIZED], REGRESSED);
    let mut written: Vec<_> = std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().path()).collect();
    written.sort();
    assert!(written.len() >= 6, "results dir holds {written:?}");
    for path in written {
        let name = path.file_name().unwrap().to_str().unwrap();
        expect(&format!("results/{name}"), &std::fs::read_to_string(&path).unwrap());
    }

    assert!(
        mismatches.is_empty(),
        "{}\n\nIf the change is deliberate: PERFPROOF_BLESS=1 cargo test -p perfproof --test golden",
        mismatches.join("\n\n")
    );
}
