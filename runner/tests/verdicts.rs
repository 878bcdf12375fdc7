//! A/A on real runs: the embedded demo service measured repeatedly (short runs of
//! three trials each) and compared pairwise. Nothing changed between the runs, so
//! at most 5 % of the latency and throughput verdicts may say improved or regressed.

use std::time::Duration;

use perfproof::config::LoadOverrides;
use perfproof::runs;
use perfproof::settings::{self, Flags, ScenarioFile};
use perfproof::workloads::http::demo::DemoServer;
use perfproof::workloads::http::section::HttpOverrides;
use perfproof::workloads::profile::Profile;
use perfproof_shared::analysis::{analyze, AnalysisSettings};
use perfproof_shared::compare::Verdict;
use tokio::sync::watch;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn identical_real_runs_are_rarely_called_changed() {
    let demo = DemoServer::start(Profile::Optimized).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let (_tx, stop) = watch::channel(false);
    let mut reports = Vec::new();
    for run in 0..5 {
        let flags = Flags {
            label: Some(format!("run-{run}")),
            output: Some(dir.path().join(format!("run-{run}.json"))),
            quiet: true,
            trials: Some(3),
            load: LoadOverrides {
                users: Some(4),
                duration: Some(Duration::from_millis(800)),
                warmup: Some(Duration::from_millis(200)),
                ..LoadOverrides::default()
            },
            http: HttpOverrides { url: Some(format!("{}/api/items/42", demo.base_url())), ..HttpOverrides::default() },
            ..Flags::default()
        };
        let settings = settings::resolve(ScenarioFile::default(), &flags).unwrap();
        reports.push(runs::measure(&settings, &stop).await.unwrap());
    }
    let watched = ["latency.p50", "latency.p90", "latency.p95", "latency.p99", "throughput_rps"];
    let (mut verdicts, mut calls) = (0, Vec::new());
    for (i, a) in reports.iter().enumerate() {
        for b in &reports[i + 1..] {
            let analysis = analyze(a, b, &AnalysisSettings::default()).unwrap();
            for m in analysis.comparison.metrics.iter().filter(|m| watched.iter().any(|w| m.key.ends_with(w))) {
                verdicts += 1;
                if matches!(m.verdict, Verdict::Improved | Verdict::Regressed) {
                    calls.push(format!("{} → {}: {} {:?}", a.run.label, b.run.label, m.key, m.verdict));
                }
            }
        }
    }
    assert_eq!(verdicts, 10 * watched.len());
    eprintln!("{} of {verdicts} verdicts called a change: {calls:?}", calls.len());
    assert!(calls.len() * 20 <= verdicts, "{} of {verdicts} verdicts called a change: {calls:#?}", calls.len());
}
