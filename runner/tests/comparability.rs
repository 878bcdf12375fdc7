//! `compare` says when two runs are not comparable, and `--strict` refuses them.

use std::process::Command;

fn perfproof() -> Command {
    Command::new(env!("CARGO_BIN_EXE_perfproof"))
}

#[test]
fn a_run_compared_with_itself_is_flagged_and_refused_with_strict() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let out = perfproof().args(["run", "-q", "-d", "500ms", "-c", "2", "-o"]).arg(&report).output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let out = perfproof().arg("compare").args([&report, &report]).output().unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("not comparable? both sides are the same run"), "{stdout}");

    let out = perfproof().args(["compare", "--strict"]).args([&report, &report]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("not comparable (--strict)") && stderr.contains("same run"), "{stderr}");
}
