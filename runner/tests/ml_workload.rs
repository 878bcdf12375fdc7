//! The ML inference workload end to end: the embedded Open Inference Protocol server
//! answers what the model answers in process; a run of batch sizes 1 and 8 against
//! it gains samples per second and records the speedup; a server whose answers have
//! the wrong shape is counted as `bad_output`, never as a success; the in-process
//! backend runs; bad `[ml]` sections name their field; sweeps are not merged.

use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use perfproof::config::LoadOverrides;
use perfproof::load::Context;
use perfproof::settings::{self, Flags};
use perfproof::workloads::ml::model::Model;
use perfproof::workloads::ml::oip::{self, Server};
use perfproof::workloads::ml::section::MlOverrides;
use perfproof::workloads::ml::server::{metadata_of, MlDemoServer};
use perfproof::workloads::ml::{self, samples, MlPlan};
use perfproof::workloads::profile::Profile;
use perfproof::workloads::WorkloadPlan;
use perfproof_shared::merge::{merge_workloads, MergeKind};
use perfproof_shared::report::{MlResult, Workload};
use serde_json::json;
use tokio::sync::watch;

/// The plan of an `[ml]` section (TOML).
fn plan(section: &str, url: Option<&str>, load: LoadOverrides) -> anyhow::Result<MlPlan> {
    let file = settings::parse_scenario(section)?;
    let flags = Flags {
        quiet: true,
        ml: MlOverrides { url: url.map(String::from) },
        workloads: Some(vec!["ml".into()]),
        load,
        ..Flags::default()
    };
    match settings::resolve(file, &flags)?.workloads.remove(0) {
        WorkloadPlan::Ml(plan) => Ok(plan),
        other => panic!("expected an ml workload, not {}", other.kind()),
    }
}

fn users(users: u32, seconds: f64) -> LoadOverrides {
    LoadOverrides {
        users: Some(users),
        duration: Some(Duration::from_secs_f64(seconds)),
        warmup: Some(Duration::from_millis(300)),
        ..LoadOverrides::default()
    }
}

async fn run(plan: &MlPlan) -> MlResult {
    let (_tx, stop) = watch::channel(false);
    let context = Context { stop, quiet: true, target_in_process: false };
    ml::check_reachable(plan).await.unwrap();
    ml::run(plan, &context).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn served_answers_equal_in_process_answers_on_the_held_out_samples() {
    let model = Model::digits().unwrap();
    let held_out = samples::digits();
    assert_eq!(held_out.features.len(), 450);
    let rows: Vec<&[f32]> = held_out.features.iter().map(Vec::as_slice).collect();
    let local = model.predict(&rows).unwrap();
    for profile in Profile::ALL {
        let server = MlDemoServer::start(profile).await.unwrap();
        let target =
            Server { base: server.base_url().parse().unwrap(), display: server.base_url(), model: "digits".into() };
        let client = oip::client(Duration::from_secs(10)).unwrap();
        target.check_ready(&client, Duration::from_secs(10)).await.unwrap();
        let metadata = target.metadata(&client, Duration::from_secs(10)).await.unwrap();
        assert_eq!(metadata, metadata_of(&model));
        // In batches of 1, 7 and the rest, as a client would send them.
        let mut at = 0;
        for size in [1, 7, 32, 450] {
            let end = (at + size).min(rows.len());
            if at == end {
                break;
            }
            let answer = target.infer(&client, &metadata, &rows[at..end], Duration::from_secs(10)).await.unwrap();
            let labels = answer.outputs.iter().find(|o| o.name == model.label_output().name).unwrap();
            let probabilities = answer.outputs.iter().find(|o| o.name == model.probabilities_output().name).unwrap();
            let served: Vec<i64> = labels.data.iter().map(|&v| v as i64).collect();
            assert_eq!(served, local.labels[at..end], "{} profile, samples {at}..{end}", profile.label());
            // Probabilities bit for bit against the same batch in process (tract's sums
            // may differ in the last bit between batch sizes).
            let same = model.predict(&rows[at..end]).unwrap();
            let expected: Vec<f32> = same.probabilities.iter().flatten().copied().collect();
            let served: Vec<f32> = probabilities.data.iter().map(|&v| v as f32).collect();
            assert_eq!(served, expected, "{} profile, samples {at}..{end}", profile.label());
            at = end;
        }
        assert_eq!(at, rows.len());
    }
    // And the answers are right as often as the stored accuracy says.
    let correct = local.labels.iter().zip(&held_out.labels).filter(|(a, b)| a == b).count();
    assert_eq!(correct, 431);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_of_eight_answer_more_samples_per_second_than_one() {
    let plan = plan("[ml]\nbatch_sizes = [1, 8]\n", None, users(4, 1.5)).unwrap();
    let ml = run(&plan).await;
    assert_eq!(ml.backend, "oip");
    assert_eq!(ml.points.len(), 2);
    let (one, eight) = (&ml.points[0], &ml.points[1]);
    for point in &ml.points {
        assert_eq!(point.result.stats.errors.values().sum::<u64>(), 0, "{:?}", point.result.stats.errors);
        assert!(point.result.stats.successes > 50, "{}", point.result.stats.successes);
        assert_eq!(point.sample_latency.summary.count, point.result.stats.successes);
    }
    assert!(
        eight.samples_per_s > one.samples_per_s,
        "samples/s: B=8 {:.0}, B=1 {:.0}",
        eight.samples_per_s,
        one.samples_per_s
    );
    assert_eq!(one.speedup, Some(1.0));
    let speedup = eight.speedup.unwrap();
    assert!((speedup - eight.samples_per_s / one.samples_per_s).abs() < 1e-9);
    assert!((eight.amortization.unwrap() - speedup / 8.0).abs() < 1e-9);
    assert!((eight.samples_per_s - 8.0 * eight.requests_per_s).abs() < 1e-6);
    // The headline is the individual mode.
    assert_eq!(ml.headline_batch_size, 1);
    assert_eq!(ml.result, one.result);

    // The report reads back, and the catalogue lists the ML metrics.
    let report = report_of(Workload::Ml(ml.clone()));
    let parsed = perfproof_shared::report::parse_report(&report.to_json()).unwrap();
    let metrics = perfproof_shared::metrics::catalogue(&parsed).unwrap();
    let keys: Vec<&str> = metrics.iter().map(|m| m.key.as_str()).collect();
    for key in
        ["ml.digits.latency.p95", "ml.digits.samples_per_s", "ml.digits.b8.samples_per_s", "ml.digits.b8.speedup"]
    {
        assert!(keys.contains(&key), "{key} in {keys:?}");
    }

    // A sweep is not merged; one batch size is.
    let sweep = Workload::Ml(ml.clone());
    let refused = merge_workloads(&[&sweep, &sweep], MergeKind::Trials).unwrap_err().to_string();
    assert!(refused.contains("sweep of batch sizes"), "{refused}");
    let mut single = ml.clone();
    single.points.truncate(1);
    let single = Workload::Ml(single);
    let Workload::Ml(merged) = merge_workloads(&[&single, &single], MergeKind::Trials).unwrap() else { panic!() };
    assert_eq!(merged.result.stats.successes, 2 * one.result.stats.successes);
    assert_eq!(merged.points[0].result, merged.result);
    assert_eq!(merged.points[0].sample_latency.summary.count, 2 * one.sample_latency.summary.count);
}

fn report_of(workload: Workload) -> perfproof_shared::Report {
    let text = json!({
        "schema": perfproof_shared::SCHEMA_ID,
        "run": {
            "tool_version": "test", "run_id": "00000000-0000-0000-0000-000000000001", "label": "t",
            "started_at": "2026-01-01T00:00:00Z", "ended_at": "2026-01-01T00:00:01Z", "complete": true,
            "host": {"os": "linux", "arch": "x86_64", "cpus": 2, "memory_bytes": 1}
        },
        "workloads": [workload],
    });
    serde_json::from_value(text).unwrap()
}

/// An OIP server that declares the digits interface but answers inference requests
/// with `status` and `answer`, after `delay`.
async fn misbehaving_with(status: StatusCode, answer: serde_json::Value, delay: Duration) -> String {
    let metadata = serde_json::to_value(metadata_of(&Model::digits().unwrap())).unwrap();
    let app = Router::new()
        .route("/v2/health/ready", get(|| async { "" }))
        .route("/v2/models/digits/ready", get(|| async { "" }))
        .route("/v2/models/digits", get(move || async move { Json(metadata) }))
        .route(
            "/v2/models/digits/infer",
            post(move || async move {
                tokio::time::sleep(delay).await;
                (status, Json(answer))
            }),
        );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

async fn misbehaving(answer: serde_json::Value) -> String {
    misbehaving_with(StatusCode::OK, answer, Duration::ZERO).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_and_stalls_are_classified() {
    let cases = [
        (StatusCode::BAD_REQUEST, json!({"error": "bad input"}), Duration::ZERO, "http4xx", "bad input"),
        (StatusCode::SERVICE_UNAVAILABLE, json!({"error": "loading"}), Duration::ZERO, "http5xx", "loading"),
        (StatusCode::OK, json!({"outputs": []}), Duration::from_secs(5), "timeout", "no answer"),
    ];
    for (status, answer, delay, class, said) in cases {
        let base = misbehaving_with(status, answer, delay).await;
        let section = "[ml]\nbatch_sizes = [1]\ntimeout = \"200ms\"\n";
        let ml = run(&plan(section, Some(&base), users(2, 0.5)).unwrap()).await;
        let stats = &ml.result.stats;
        assert!(stats.operations > 0 && stats.successes == 0, "{class}: {stats:?}");
        assert_eq!(stats.errors.get(class), Some(&stats.operations), "{class}: {:?}", stats.errors);
        assert!(ml.result.warnings.iter().any(|w| w.contains(class) && w.contains(said)), "{:?}", ml.result.warnings);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn wrong_answers_are_errors_not_successes() {
    let cases = [
        // A batch of one answered with two labels.
        json!({"outputs": [
            {"name": "label", "datatype": "INT64", "shape": [2], "data": [1, 2]},
            {"name": "probabilities", "datatype": "FP32", "shape": [1, 10], "data": vec![0.1; 10]}]}),
        // The probabilities missing.
        json!({"outputs": [{"name": "label", "datatype": "INT64", "shape": [1], "data": [1]}]}),
        // Labels as floats.
        json!({"outputs": [
            {"name": "label", "datatype": "FP32", "shape": [1], "data": [1.5]},
            {"name": "probabilities", "datatype": "FP32", "shape": [1, 10], "data": vec![0.1; 10]}]}),
    ];
    for answer in cases {
        let base = misbehaving(answer.clone()).await;
        let plan = plan("[ml]\nbatch_sizes = [1]\n", Some(&base), users(2, 0.5)).unwrap();
        let ml = run(&plan).await;
        let stats = &ml.result.stats;
        assert!(stats.operations > 0);
        assert_eq!(stats.successes, 0, "{answer}");
        assert_eq!(stats.errors.get("bad_output"), Some(&stats.operations), "{answer}: {:?}", stats.errors);
        assert!(ml.result.warnings.iter().any(|w| w.contains("bad_output")), "{:?}", ml.result.warnings);
        assert_eq!(ml.points[0].sample_latency.summary.count, 0);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_in_process_backend_runs_the_model() {
    let plan = plan("[ml]\nbackend = \"in_process\"\nbatch_sizes = [1, 32]\n", None, users(1, 0.5)).unwrap();
    let ml = run(&plan).await;
    assert_eq!((ml.backend.as_str(), ml.target.as_str()), ("in_process", "in-process"));
    assert!(ml.points.iter().all(|p| p.result.stats.successes > 0 && p.result.stats.errors.is_empty()));
    assert!(ml.points[1].samples_per_s > ml.points[0].samples_per_s);
    assert_eq!(ml.model.inputs[0].shape, vec![-1, 64]);
}

#[test]
fn bad_ml_sections_name_the_field() {
    let load = LoadOverrides::default;
    let cases = [
        ("[ml]\nbatch_sizes = []\n", "ml.batch_sizes"),
        ("[ml]\nbatch_sizes = [1, 0]\n", "ml.batch_sizes"),
        ("[ml]\nbatch_sizes = [8, 8]\n", "ml.batch_sizes"),
        ("[ml]\nbackend = \"grpc\"\n", "ml.backend"),
        ("[ml]\nbackend = \"in_process\"\nurl = \"http://127.0.0.1:1\"\n", "ml.url"),
        ("[ml]\nmodel_file = \"m.onnx\"\n", "ml.model_file"),
        ("[ml]\nurl = \"ftp://x\"\n", "ml.url"),
        ("[ml]\nmodel = \"a/b\"\n", "ml.model"),
        ("[ml]\ntimeout = \"0s\"\n", "ml.timeout"),
        ("[ml]\nbatch = [1]\n", "batch"),
        ("[ml.load]\nusers = \"many\"\n", "users"),
    ];
    for (section, field) in cases {
        let error = format!("{:#}", plan(section, None, load()).unwrap_err());
        assert!(error.contains(field), "{section:?}: {error}");
    }
    // Trials or shards take one batch size: the default becomes [1], a list of several is refused.
    let repeated = |section: &str| {
        let file = settings::parse_scenario(section).unwrap();
        let flags = Flags { trials: Some(3), workloads: Some(vec!["ml".into()]), ..Flags::default() };
        settings::resolve(file, &flags)
    };
    match &repeated("").unwrap().workloads[0] {
        WorkloadPlan::Ml(plan) => assert_eq!(plan.batch_sizes, vec![1]),
        other => panic!("{}", other.kind()),
    }
    let error = format!("{:#}", repeated("[ml]\nbatch_sizes = [1, 8]\n").unwrap_err());
    assert!(error.contains("ml.batch_sizes") && error.contains("trials"), "{error}");
}
