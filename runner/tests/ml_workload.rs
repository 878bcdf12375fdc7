//! The ML inference workload end to end: the embedded Open Inference Protocol server
//! answers what the model answers in process; a run of batch sizes 1 and 8 against
//! it gains samples per second and records the speedup; a server whose answers have
//! the wrong shape is counted as `bad_output`, never as a success; the in-process
//! backend runs; bad `[ml]` sections name their field; sweeps are not merged.

use perfproof::workloads::KindPlan;
use std::time::Duration;

use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use perfproof::config::load::LoadOverrides;
use perfproof::config::{self, Flags, ShardFlags};
use perfproof::load::Context;
use perfproof::workloads::ml::model::Model;
use perfproof::workloads::ml::oip::{self, Server};
use perfproof::workloads::ml::section::MlOverrides;
use perfproof::workloads::ml::server::{metadata_of, MlDemoServer};
use perfproof::workloads::ml::{samples, MlPlan};
use perfproof::workloads::profile::Profile;
use perfproof::workloads::WorkloadPlan;
use perfproof_shared::merge::{merge_workloads, MergeKind};
use perfproof_shared::report::{MlResult, Workload};
use serde_json::json;
use tokio::sync::watch;

/// The plan of an `[ml]` section (TOML).
fn plan(section: &str, url: Option<&str>, load: LoadOverrides) -> anyhow::Result<MlPlan> {
    let file = config::parse_scenario(section)?;
    let flags = Flags {
        quiet: true,
        ml: MlOverrides { url: url.map(String::from) },
        workloads: Some(vec!["ml".into()]),
        load,
        // One stretch: these tests drive one plan, not trials.
        trials: Some(1),
        ..Flags::default()
    };
    match config::resolve(file, &flags)?.workloads.remove(0) {
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
    plan.check_reachable().await.unwrap();
    plan.run(&context).await.unwrap()
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
        let target = Server {
            base: server.base_url().parse().unwrap(),
            display: server.base_url(),
            model: "digits".into(),
            version: None,
        };
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
    let keys = metric_keys(&ml);
    for key in
        ["ml.digits.latency.p95", "ml.digits.samples_per_s", "ml.digits.b8.samples_per_s", "ml.digits.b8.speedup"]
    {
        assert!(keys.iter().any(|k| k == key), "{key} in {keys:?}");
    }

    // A sweep's trials merge point by point; its shards are refused.
    let sweep = Workload::Ml(ml.clone());
    let refused = merge_workloads(&[&sweep, &sweep], MergeKind::Shards).unwrap_err().to_string();
    assert!(refused.contains("is a sweep (of batch sizes or loads)"), "{refused}");
    let Workload::Ml(trials) = merge_workloads(&[&sweep, &sweep], MergeKind::Trials).unwrap() else { panic!() };
    assert_eq!(trials.points[1].result.stats.successes, 2 * eight.result.stats.successes);
    assert_eq!(trials.points[1].result.trials.len(), 2);
    assert_eq!(trials.points[1].sample_latency.summary.count, 2 * eight.sample_latency.summary.count);
    assert_eq!((trials.points[1].speedup, trials.points[0].speedup), (eight.speedup, Some(1.0)));
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
    // Shards take one batch size: the default becomes [1], a list of several is
    // refused. Trials repeat the whole sweep (merged point by point).
    let resolve = |section: &str, trials: Option<u32>, shard: Option<ShardFlags>| {
        let file = config::parse_scenario(section).unwrap();
        let flags = Flags { trials, shard, workloads: Some(vec!["ml".into()]), ..Flags::default() };
        config::resolve(file, &flags)
    };
    let shard = || Some(ShardFlags { index: 0, count: 2, group: Some("g".into()), start_at: None });
    match &resolve("", None, shard()).unwrap().workloads[0] {
        WorkloadPlan::Ml(plan) => assert_eq!(plan.batch_sizes, vec![1]),
        other => panic!("{}", other.kind()),
    }
    let error = format!("{:#}", resolve("[ml]\nbatch_sizes = [1, 8]\n", None, shard()).unwrap_err());
    assert!(error.contains("ml.batch_sizes") && error.contains("shards"), "{error}");
    match &resolve("[ml]\nbatch_sizes = [1, 8]\n", Some(3), None).unwrap().workloads[0] {
        WorkloadPlan::Ml(plan) => assert_eq!((plan.batch_sizes.clone(), plan.load.trials), (vec![1, 8], 3)),
        other => panic!("{}", other.kind()),
    }
}

/// Serves `app` on a loopback port; its base URL.
async fn serve(app: Router) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    base
}

/// The error of a run that cannot start, as the runner prints it.
async fn start_error(plan: &MlPlan) -> String {
    let (_tx, stop) = watch::channel(false);
    let context = Context { stop, quiet: true, target_in_process: false };
    let checked = plan.check_reachable().await.map_err(|e| format!("{e:#}"));
    let ran = plan.run(&context).await.map(|_| ()).map_err(|e| format!("{e:#}"));
    assert_eq!(checked, ran, "the check and the run refuse alike");
    checked.unwrap_err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_still_loading_is_a_start_error_naming_its_url() {
    let metadata = serde_json::to_value(metadata_of(&Model::digits().unwrap())).unwrap();
    let loading = || async { (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"error": "model digits is loading"}))) };
    // The server not ready, then the server ready but the model not.
    let server_loading = serve(Router::new().route("/v2/health/ready", get(loading))).await;
    let model_loading = serve(
        Router::new()
            .route("/v2/health/ready", get(|| async { "" }))
            .route("/v2/models/digits/ready", get(loading))
            .route("/v2/models/digits", get(move || async move { Json(metadata) })),
    )
    .await;
    for (base, path, what) in [
        (&server_loading, "/v2/health/ready", "the inference server is not ready"),
        (&model_loading, "/v2/models/digits/ready", "the model `digits` is not ready"),
    ] {
        let error = start_error(&plan("[ml]\n", Some(base), users(1, 0.5)).unwrap()).await;
        for said in [what, &format!("{base}{path}"), "http5xx", "HTTP 503", "model digits is loading"] {
            assert!(error.contains(said), "`{said}` in {error}");
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_connection_closed_without_an_answer_is_a_connect_error() {
    let base = closing_server(OnPost::Close).await;
    let ml = run(&plan("[ml]\nbatch_sizes = [1]\n", Some(&base), users(2, 0.5)).unwrap()).await;
    let stats = &ml.result.stats;
    assert!(stats.operations > 0 && stats.successes == 0, "{stats:?}");
    assert_eq!(stats.errors.get("connect"), Some(&stats.operations), "{:?}", stats.errors);
    assert!(
        ml.result.warnings.iter().any(|w| w.contains("connect") && w.contains("closed")),
        "{:?}",
        ml.result.warnings
    );
    // A valid report all the same.
    let report = report_of(Workload::Ml(ml));
    perfproof_shared::report::parse_report(&report.to_json()).unwrap();
}

/// What [`closing_server`] does with an inference request before it closes the connection.
#[derive(Clone)]
enum OnPost {
    /// Nothing: closed without an answer.
    Close,
    /// The answer, with neither a length nor chunks: its end is the close.
    AnswerToTheClose(String),
    /// The answer, whole, with its length and the connection kept alive, as a server
    /// whose keep-alive timeout ends at once (the client finds out on its next request).
    AnswerKeptAlive(String),
}

/// An OIP server by hand: it answers readiness and the digits metadata, and closes
/// the connection after every inference request, doing `on_post` first.
async fn closing_server(on_post: OnPost) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let metadata = serde_json::to_vec(&metadata_of(&Model::digits().unwrap())).unwrap();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let (metadata, on_post) = (metadata.clone(), on_post.clone());
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                let mut chunk = [0u8; 8192];
                loop {
                    let head_end = buffer.windows(4).position(|w| w == b"\r\n\r\n");
                    let whole = head_end.and_then(|end| {
                        let head = String::from_utf8_lossy(&buffer[..end]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:").map(|v| v.trim().parse().unwrap_or(0)))
                            .unwrap_or(0usize);
                        (buffer.len() >= end + 4 + length).then_some((head, end + 4 + length))
                    });
                    let Some((head, taken)) = whole else {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    buffer.drain(..taken);
                    if head.starts_with("post") {
                        let head = "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n";
                        let whole = match &on_post {
                            OnPost::Close => String::new(),
                            OnPost::AnswerToTheClose(answer) => format!("{head}\r\n{answer}"),
                            OnPost::AnswerKeptAlive(answer) => {
                                format!("{head}content-length: {}\r\n\r\n{answer}", answer.len())
                            }
                        };
                        let _ = socket.write_all(whole.as_bytes()).await;
                        return; // closed
                    }
                    let body = if head.starts_with("get /v2/models/digits ") { metadata.clone() } else { Vec::new() };
                    let answer = format!(
                        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                        body.len()
                    );
                    if socket.write_all(answer.as_bytes()).await.is_err() || socket.write_all(&body).await.is_err() {
                        return;
                    }
                }
            });
        }
    });
    base
}

/// Connections that end after each answer: an answer with neither a length nor
/// chunks is read to the close; a kept-alive connection the server has closed since
/// fails before any answer byte, and the request goes again on a fresh connection,
/// once, instead of failing (without that, half the requests failed).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_on_connections_the_server_closes_are_read_whole() {
    let answer = json!({"outputs": [
        {"name": "label", "datatype": "INT64", "shape": [1], "data": [3]},
        {"name": "probabilities", "datatype": "FP32", "shape": [1, 10], "data": vec![0.1; 10]}]})
    .to_string();
    for on_post in [OnPost::AnswerToTheClose(answer.clone()), OnPost::AnswerKeptAlive(answer)] {
        let base = closing_server(on_post).await;
        let ml = run(&plan("[ml]\nbatch_sizes = [1]\n", Some(&base), users(2, 0.5)).unwrap()).await;
        let stats = &ml.result.stats;
        assert!(stats.successes > 10 && stats.errors.is_empty(), "{stats:?} {:?}", ml.result.warnings);
        assert_eq!(stats.successes, stats.operations);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_version_goes_into_every_model_path() {
    // A server that answers only version 3's paths.
    let metadata = serde_json::to_value(metadata_of(&Model::digits().unwrap())).unwrap();
    let answer = json!({"outputs": [
        {"name": "label", "datatype": "INT64", "shape": [1], "data": [3]},
        {"name": "probabilities", "datatype": "FP32", "shape": [1, 10], "data": vec![0.1; 10]}]});
    let base = serve(
        Router::new()
            .route("/v2/health/ready", get(|| async { "" }))
            .route("/v2/models/digits/versions/3/ready", get(|| async { "" }))
            .route("/v2/models/digits/versions/3", get(move || async move { Json(metadata) }))
            .route("/v2/models/digits/versions/3/infer", post(move || async move { Json(answer) })),
    )
    .await;
    let section = "[ml]\nversion = \"3\"\nbatch_sizes = [1]\n";
    let ml = run(&plan(section, Some(&base), users(2, 0.5)).unwrap()).await;
    assert!(ml.result.stats.successes > 0 && ml.result.stats.errors.is_empty(), "{:?}", ml.result.stats.errors);
    assert_eq!(ml.model.version.as_deref(), Some("3"));
    // Without the version (or with another), the model is not there.
    for section in ["[ml]\n", "[ml]\nversion = \"4\"\n"] {
        let error = start_error(&plan(section, Some(&base), users(1, 0.5)).unwrap()).await;
        assert!(error.contains("http4xx") && error.contains("not ready"), "{error}");
    }
    let error = start_error(&plan("[ml]\nversion = \"4\"\n", Some(&base), users(1, 0.5)).unwrap()).await;
    assert!(error.contains("(version 4)") && error.contains("/v2/models/digits/versions/4/ready"), "{error}");
    // The embedded server has version 1.
    let ml = run(&plan("[ml]\nversion = \"1\"\nbatch_sizes = [1]\n", None, users(1, 0.5)).unwrap()).await;
    assert!(ml.result.stats.successes > 0 && ml.result.stats.errors.is_empty());
    assert_eq!(ml.model.version.as_deref(), Some("1"));
}

/// A file in a fresh directory, and the directory (kept while it lives).
fn file(name: &str, text: &str) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path.display().to_string())
}

fn digits_rows(count: usize) -> Vec<Vec<f32>> {
    samples::digits().features[..count].to_vec()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inputs_come_from_json_or_csv_rows() {
    let rows = digits_rows(5);
    let csv: String = std::iter::once((1..=64).map(|i| format!("p{i}")).collect::<Vec<_>>().join(","))
        .chain(rows.iter().map(|r| r.iter().map(f32::to_string).collect::<Vec<_>>().join(",")))
        .map(|line| line + "\n")
        .collect();
    let files = [
        file("rows.json", &serde_json::to_string(&rows).unwrap()),
        file("inputs.json", &json!({ "inputs": rows }).to_string()),
        file("rows.csv", &csv),
    ];
    for (_dir, path) in &files {
        let section = format!("[ml]\ninputs = \"{path}\"\nbatch_sizes = [1, 8]\n");
        let plan = plan(&section, None, users(1, 0.3)).unwrap();
        let inputs = plan.inputs.as_ref().unwrap();
        let read: Vec<Vec<f32>> = inputs.rows.iter().map(|r| r.iter().map(|&v| v as f32).collect()).collect();
        assert_eq!(read, rows, "{path}");
        // Served and in process.
        let ml = run(&plan).await;
        assert!(ml.points.iter().all(|p| p.result.stats.successes > 0 && p.result.stats.errors.is_empty()), "{path}");
        let in_process = plan_in_process(&section);
        let ml = run(&in_process).await;
        assert!(ml.points.iter().all(|p| p.result.stats.successes > 0 && p.result.stats.errors.is_empty()), "{path}");
    }
}

fn plan_in_process(section: &str) -> MlPlan {
    plan(&section.replace("[ml]\n", "[ml]\nbackend = \"in_process\"\n"), None, users(1, 0.3)).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_inputs_name_the_file_row_and_column() {
    let wide = serde_json::to_string(&[vec![1.0; 10], vec![1.0; 10]]).unwrap();
    let cases = [
        // Read when the plan is made.
        ("a.json", "{\"rows\": []}".to_string(), "\"inputs\""),
        ("a.json", "[]".to_string(), "holds no rows"),
        ("a.json", "[[1, 2], [3, \"x\"]]".to_string(), "row 2, column 2: \"x\" is not a number"),
        ("a.json", "[[1, 2], 3]".to_string(), "row 2 is not an array"),
        ("a.json", "[[1, 2], [3]]".to_string(), "row 2 has 1 values, row 1 has 2"),
        ("a.json", "[[1, 2".to_string(), "not JSON"),
        ("a.csv", "a,b\n1,2\n3,x\n".to_string(), "row 2 (line 3), column 2: `x` is not a number"),
        ("a.txt", "1,2\n".to_string(), "name a .json or .csv file"),
    ];
    for (name, text, said) in cases {
        let (_dir, path) = file(name, &text);
        let error = format!("{:#}", plan(&format!("[ml]\ninputs = \"{path}\"\n"), None, users(1, 0.3)).unwrap_err());
        assert!(error.contains("ml.inputs") && error.contains(&path) && error.contains(said), "{said}: {error}");
    }
    let error = format!("{:#}", plan("[ml]\ninputs = \"/nonexistent/rows.csv\"\n", None, users(1, 0.3)).unwrap_err());
    assert!(error.contains("ml.inputs") && error.contains("/nonexistent/rows.csv"), "{error}");
    // Checked against the model when it is known: its width, its datatype.
    let mut big: Vec<Vec<serde_json::Value>> =
        digits_rows(3).iter().map(|r| r.iter().map(|&v| json!(v)).collect()).collect();
    big[2][5] = json!(1e39); // beyond FP32
    for (text, said) in [
        (wide, "rows have 10 values; the model's input `input` takes 64 per sample".to_string()),
        (
            json!(big).to_string(),
            "row 3, column 6: 1000000000000000000000000000000000000000 is outside FP32's range".into(),
        ),
    ] {
        let (_dir, path) = file("rows.json", &text);
        let section = format!("[ml]\ninputs = \"{path}\"\n");
        for plan in [plan(&section, None, users(1, 0.3)).unwrap(), plan_in_process(&section)] {
            let error = start_error(&plan).await;
            assert!(error.contains("ml.inputs") && error.contains(&path) && error.contains(&said), "{error}");
        }
    }
}

/// A model of 3 INT64 values per sample, served by a fake that checks what it is sent.
async fn int_model_server() -> String {
    let metadata = json!({"name": "counts", "versions": [], "platform": "fake",
        "inputs": [{"name": "x", "datatype": "INT64", "shape": [-1, 3]}],
        "outputs": [{"name": "y", "datatype": "FP32", "shape": [-1]}]});
    let infer = |Json(body): Json<serde_json::Value>| async move {
        let input = &body["inputs"][0];
        let data = input["data"].as_array().cloned().unwrap_or_default();
        let batch = input["shape"][0].as_u64().unwrap_or(0) as usize;
        // Integers written as integers (`1`, not `1.0`), three per sample.
        if input["datatype"] != "INT64" || data.len() != 3 * batch || !data.iter().all(|v| v.is_i64()) {
            return (StatusCode::BAD_REQUEST, Json(json!({"error": format!("not INT64 [{batch}, 3]: {input}")})));
        }
        (
            StatusCode::OK,
            Json(json!({"outputs": [{"name": "y", "datatype": "FP32", "shape": [batch], "data": vec![0.5; batch]}]})),
        )
    };
    serve(
        Router::new()
            .route("/v2/health/ready", get(|| async { "" }))
            .route("/v2/models/counts/ready", get(|| async { "" }))
            .route("/v2/models/counts", get(move || async move { Json(metadata) }))
            .route("/v2/models/counts/infer", post(infer)),
    )
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn inputs_follow_the_models_declared_datatype() {
    let base = int_model_server().await;
    // Generated to the declared shape and datatype.
    let section = "[ml]\nmodel = \"counts\"\nbatch_sizes = [1, 4]\n";
    let ml = run(&plan(section, Some(&base), users(1, 0.3)).unwrap()).await;
    for point in &ml.points {
        assert!(point.result.stats.successes > 0, "{:?}", point.result.warnings);
        assert!(point.result.stats.errors.is_empty(), "{:?}", point.result.warnings);
    }
    // From a file: whole numbers pass; a fraction is refused before any load, by row and column.
    let (_dir, path) = file("counts.csv", "1,2,3\n4,5,6\n");
    let section = format!("[ml]\nmodel = \"counts\"\ninputs = \"{path}\"\nbatch_sizes = [2]\n");
    let ml = run(&plan(&section, Some(&base), users(1, 0.3)).unwrap()).await;
    assert!(ml.result.stats.successes > 0 && ml.result.stats.errors.is_empty(), "{:?}", ml.result.warnings);
    let (_dir, path) = file("counts.csv", "1,2,3\n4,5.5,6\n");
    let section = format!("[ml]\nmodel = \"counts\"\ninputs = \"{path}\"\n");
    let error = start_error(&plan(&section, Some(&base), users(1, 0.3)).unwrap()).await;
    assert!(error.contains(&format!("{path}: row 2, column 2: 5.5 is not a whole number, as INT64 takes")), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sweep_runs_every_batch_size_at_every_level() {
    let section = "[ml]\nbatch_sizes = [1, 8]\n[ml.sweep]\nusers = [1, 3]\n";
    let ml = run(&plan(section, None, users(1, 0.4)).unwrap()).await;
    let levels: Vec<(u32, f64)> = ml.points.iter().map(|p| (p.batch_size, p.result.load.level())).collect();
    assert_eq!(levels, [(1, 1.0), (1, 3.0), (8, 1.0), (8, 3.0)]);
    for point in &ml.points {
        assert!(point.result.stats.successes > 0 && point.result.stats.errors.is_empty());
        // Against batch size 1 at the same level.
        let single =
            ml.points.iter().find(|p| p.batch_size == 1 && p.result.load.level() == point.result.load.level()).unwrap();
        assert!((point.speedup.unwrap() - point.samples_per_s / single.samples_per_s).abs() < 1e-9);
    }
    assert_eq!((ml.headline_batch_size, &ml.result), (1, &ml.points[0].result));
    let keys = metric_keys(&ml);
    let sweep_keys = ["ml.digits.b1.u3.samples_per_s", "ml.digits.b8.u1.speedup", "ml.digits.b8.u3.latency.p95"];
    for key in sweep_keys.iter().chain(&["ml.digits.latency.p95"]) {
        assert!(keys.iter().any(|k| k == key), "{key} in {keys:?}");
    }
    assert!(!keys.iter().any(|k| k == "ml.digits.b8.samples_per_s"), "{keys:?}");

    // Rates, in the open model.
    let section = "[ml]\nbatch_sizes = [1, 4]\n[ml.load]\nrate = 50\n[ml.sweep]\nrates = [20, 40]\n";
    let ml = run(&plan(section, None, users(1, 0.4)).unwrap()).await;
    assert_eq!(ml.points.len(), 4);
    assert!(metric_keys(&ml).iter().any(|k| k == "ml.digits.b4.r40.samples_per_s"));
}

/// The metric keys of a report holding `ml` (written and read back first).
fn metric_keys(ml: &MlResult) -> Vec<String> {
    let report = report_of(Workload::Ml(ml.clone()));
    let parsed = perfproof_shared::report::parse_report(&report.to_json()).unwrap();
    perfproof_shared::metrics::catalogue(&parsed).unwrap().into_iter().map(|m| m.key).collect()
}

#[test]
fn bad_sweeps_and_versions_name_the_field() {
    let cases = [
        ("[ml.sweep]\nusers = []\n", "ml.sweep"),
        ("[ml.sweep]\nusers = [1, 0]\n", "ml.sweep.users"),
        ("[ml.sweep]\nusers = [2, 2]\n", "listed twice"),
        ("[ml.sweep]\nusers = [1]\nrates = [2.0]\n", "not both"),
        ("[ml.sweep]\nrates = [2.0]\n", "ml.sweep.rates needs the open model"),
        ("[ml.load]\nrate = 5\n[ml.sweep]\nusers = [1]\n", "ml.sweep.users needs the closed model"),
        ("[ml.load]\nrate = 5\n[ml.sweep]\nrates = [-1.0]\n", "ml.sweep.rates"),
        ("[ml.sweep]\nlevels = [1]\n", "levels"),
        ("[ml]\nversion = \"a/b\"\n", "ml.version"),
        ("[ml]\nbackend = \"in_process\"\nversion = \"1\"\n", "ml.version"),
    ];
    for (section, field) in cases {
        let error = format!("{:#}", plan(section, None, LoadOverrides::default()).unwrap_err());
        assert!(error.contains(field), "{section:?}: {error}");
    }
    let file = config::parse_scenario("[ml.sweep]\nusers = [1, 2]\n").unwrap();
    let shard = Some(ShardFlags { index: 0, count: 2, group: Some("g".into()), start_at: None });
    let flags = Flags { shard, workloads: Some(vec!["ml".into()]), ..Flags::default() };
    let error = format!("{:#}", config::resolve(file, &flags).unwrap_err());
    assert!(error.contains("ml.sweep") && error.contains("shards"), "{error}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answers_in_chunks_are_read_whole() {
    // A valid answer sent with Transfer-Encoding: chunked, cut inside a number.
    let metadata = serde_json::to_value(metadata_of(&Model::digits().unwrap())).unwrap();
    let answer = json!({"outputs": [
        {"name": "label", "datatype": "INT64", "shape": [1], "data": [3]},
        {"name": "probabilities", "datatype": "FP32", "shape": [1, 10], "data": vec![0.125; 10]}]})
    .to_string();
    let infer = move || {
        let answer = answer.clone();
        async move {
            let pieces: Vec<Result<String, std::io::Error>> =
                vec![Ok(answer[..40].to_string()), Ok(answer[40..95].to_string()), Ok(answer[95..].to_string())];
            axum::body::Body::from_stream(futures_util::stream::iter(pieces))
        }
    };
    let base = serve(
        Router::new()
            .route("/v2/health/ready", get(|| async { "" }))
            .route("/v2/models/digits/ready", get(|| async { "" }))
            .route("/v2/models/digits", get(move || async move { Json(metadata) }))
            .route("/v2/models/digits/infer", post(infer)),
    )
    .await;
    let ml = run(&plan("[ml]\nbatch_sizes = [1]\n", Some(&base), users(2, 0.5)).unwrap()).await;
    assert!(ml.result.stats.successes > 0, "{:?}", ml.result.warnings);
    assert!(ml.result.stats.errors.is_empty(), "{:?}", ml.result.warnings);
}
