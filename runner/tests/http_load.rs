//! The HTTP load generator against in-process axum servers: counting, classes,
//! percentiles against injected delays, coordinated omission, scenarios, stopping.

mod common;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::Path;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, post};
use axum::Router;
use common::{closed, open, plan, plan_from_toml, run, run_with_stop, serve};
use perfproof::load::EndGrace;
use perfproof::workloads::http::ErrorKind as HttpErrorKind;
use tokio::sync::watch;

/// A server answering `hello` on `/` that counts the requests it saw.
async fn counting_server() -> (String, Arc<AtomicU64>) {
    let hits = Arc::new(AtomicU64::new(0));
    let counter = hits.clone();
    let base = serve(Router::new().route(
        "/",
        get(move || {
            counter.fetch_add(1, Ordering::SeqCst);
            async { "hello" }
        }),
    ))
    .await;
    (base, hits)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_request_the_server_sees_is_counted_once() {
    let (base, hits) = counting_server().await;
    let result = run(&plan(&closed(&format!("{base}/"), 4, Duration::from_millis(800)))).await;

    let served = hits.load(Ordering::SeqCst);
    let stats = &result.result.stats;
    assert!(served > 10, "server saw only {served} requests");
    assert_eq!(served, stats.latency.summary.count + stats.error_count());
    assert_eq!(stats.operations, served);
    assert_eq!(stats.successes, served);
    assert_eq!(stats.codes.get("200"), Some(&served));
    assert_eq!(stats.counter(perfproof_shared::report::HTTP_BYTES_RECEIVED), served * 5);
    assert_eq!(result.result.timeline.iter().map(|p| p.operations).sum::<u64>(), served);
    assert!(result.result.schedule.is_none());
    stats.latency.verify().unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warm_up_requests_are_excluded() {
    let (base, hits) = counting_server().await;
    let mut args = closed(&format!("{base}/"), 2, Duration::from_millis(500));
    args.load.warmup = Some(Duration::from_millis(500));
    let result = run(&plan(&args)).await;
    let served = hits.load(Ordering::SeqCst);
    assert!(result.result.stats.operations > 0);
    assert!(result.result.stats.operations < served, "warm-up requests must not be counted");
    assert_eq!(result.result.warmup_s, 0.5);
}

/// Percentiles against injected delays. Request i (in arrival order) is delayed by
/// 50 ms × (1 + i mod 10), so 200 requests hold each delay 50..=500 ms exactly 20
/// times. Bound tested: injected ≤ reported ≤ injected × 1.001 (histogram
/// resolution) + 40 ms (scheduling jitter on a loaded 2-core machine: 16 ms was seen
/// in CI beside other test binaries). Neighbouring delays are 50 ms apart, so a
/// percentile read from the wrong rank still fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn percentiles_match_injected_delays() {
    let next = Arc::new(AtomicU64::new(0));
    let base = serve(Router::new().route(
        "/",
        get(move || {
            let i = next.fetch_add(1, Ordering::SeqCst);
            async move {
                tokio::time::sleep(Duration::from_millis(50 * (1 + i % 10))).await;
                "ok"
            }
        }),
    ))
    .await;
    let mut args = closed(&format!("{base}/"), 20, Duration::from_secs(60));
    args.load.max_operations = Some(200);
    let result = run(&plan(&args)).await;
    let latency = &result.result.stats.latency;
    let s = &latency.summary;
    assert_eq!(s.count, 200);
    let us = |value: u64| (latency.to_ms(value as f64) * 1000.0).round() as u64;
    // Rank ceil(q × 200) of the sorted injected delays.
    for (name, reported, injected_ms) in
        [("p50", us(s.p50), 250), ("p90", us(s.p90), 450), ("p99", us(s.p99), 500), ("min", us(s.min), 50)]
    {
        let injected = injected_ms * 1000;
        let bound = injected + injected / 1000 + 40_000;
        assert!(
            (injected..=bound).contains(&reported),
            "{name}: reported {reported} us, injected {injected} us, bound {bound} us"
        );
    }
    assert!(result
        .result
        .warnings
        .iter()
        .any(|w| w.contains("stopped at the limit of") && w.contains("HTTP requests")));
}

/// Open model against a target that stalls completely for one second, with two
/// requests in flight at most: the requests due during the stall wait for a slot,
/// so only the schedule-based (corrected) latency shows the stall.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_model_corrected_p99_shows_a_stall_the_uncorrected_one_hides() {
    let (gate_tx, gate) = watch::channel(true);
    let base = serve(Router::new().route(
        "/",
        get(move || {
            let mut gate = gate.clone();
            async move {
                let _ = gate.wait_for(|open| *open).await;
                "ok"
            }
        }),
    ))
    .await;
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(1000)).await;
        gate_tx.send(false).unwrap();
        tokio::time::sleep(Duration::from_millis(1000)).await;
        gate_tx.send(true).unwrap();
        // Keep the sender (and so the gate) alive until the run is over.
        tokio::time::sleep(Duration::from_secs(30)).await;
    });
    let mut args = open(&format!("{base}/"), 200.0, Duration::from_secs(3));
    args.load.max_in_flight = Some(2);
    let result = run(&plan(&args)).await;
    let schedule = result.result.schedule.as_ref().expect("open model reports its schedule");
    let ms = |latency: &perfproof_shared::Latency, value: u64| latency.to_ms(value as f64);
    let corrected = ms(&result.result.stats.latency, result.result.stats.latency.summary.p99);
    let uncorrected = ms(&schedule.uncorrected_latency, schedule.uncorrected_latency.summary.p99);
    assert!(result.result.stats.operations > 400, "{} requests", result.result.stats.operations);
    assert!(corrected >= 500.0, "corrected p99 {corrected} ms should show the 1 s stall");
    assert!(uncorrected < 200.0, "uncorrected p99 {uncorrected} ms should hide it");
    assert!(ms(&schedule.lag, schedule.lag.summary.max) >= 500.0);
    assert!(schedule.late_operations > 50);
    assert!(result.result.warnings.iter().any(|w| w.contains("scheduled time")), "{:?}", result.result.warnings);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_model_keeps_its_rate() {
    let base = serve(Router::new().route("/", get(|| async { "ok" }))).await;
    let args = open(&format!("{base}/"), 100.0, Duration::from_secs(2));
    let result = run(&plan(&args)).await;
    let schedule = result.result.schedule.unwrap();
    assert_eq!(schedule.target_rate_per_s, 100.0);
    // 200 requests due in 2 s; the run's own measured duration can exceed 2 s slightly.
    assert!((195..=201).contains(&result.result.stats.operations), "{} requests", result.result.stats.operations);
}

/// A capacity probe's grace: what is still in flight that long after the
/// schedule's end is abandoned and counted, not waited for (here a target that
/// answers after a minute, past the request timeout the run would otherwise wait out).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_open_model_grace_abandons_what_is_still_in_flight() {
    let base = serve(Router::new().route("/", get(late))).await;
    let mut plan = plan(&open(&format!("{base}/"), 20.0, Duration::from_secs(1)));
    plan.load.end_grace = Some(EndGrace { most: Duration::from_millis(500), bound: None });
    let result = run(&plan).await.result;
    let schedule = result.schedule.unwrap();
    assert_eq!(result.stats.operations, 0);
    // 20 due in the measured second (and any of the warm-up's), none answered.
    assert!(schedule.abandoned >= 20, "{} abandoned", schedule.abandoned);
    assert!(result.duration_s < 5.0, "{} s: the run waited for what its grace abandons", result.duration_s);
}

/// Answers after a minute.
async fn late() -> &'static str {
    tokio::time::sleep(Duration::from_secs(60)).await;
    "late"
}

/// A grace with a bound ends as soon as the bound is broken whatever the
/// unanswered operations do: here every operation, in flight or held by the
/// in-flight limit (5), not its longest wait of a minute. Those the limit held
/// count as abandoned too.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grace_ends_once_the_bound_cannot_hold() {
    let base = serve(Router::new().route("/", get(late))).await;
    let mut flags = open(&format!("{base}/"), 50.0, Duration::from_secs(1));
    flags.load.max_in_flight = Some(5);
    let mut plan = plan(&flags);
    plan.load.end_grace =
        Some(EndGrace { most: Duration::from_secs(60), bound: Some((Duration::from_millis(200), 0.05)) });
    let result = run(&plan).await.result;
    let schedule = result.schedule.unwrap();
    assert_eq!(result.stats.operations, 0);
    // 50 due in the measured second: 5 sent, 45 held, none answered.
    assert!(schedule.abandoned >= 50, "{} abandoned", schedule.abandoned);
    assert!(result.duration_s < 5.0, "{} s: the run waited past a broken bound", result.duration_s);
}

/// A grace with a bound still waits for a few late operations (under the share
/// the bound allows): every 25th request answers after 1 s, 4 % of them, under 5 %.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_grace_waits_for_a_few_late_operations() {
    let seen = Arc::new(AtomicU64::new(0));
    let base = serve(Router::new().route(
        "/",
        get(move || {
            let n = seen.fetch_add(1, Ordering::SeqCst);
            async move {
                if n % 25 == 24 {
                    tokio::time::sleep(Duration::from_secs(1)).await;
                }
                "ok"
            }
        }),
    ))
    .await;
    let mut plan = plan(&open(&format!("{base}/"), 100.0, Duration::from_secs(1)));
    plan.load.end_grace =
        Some(EndGrace { most: Duration::from_secs(10), bound: Some((Duration::from_millis(200), 0.05)) });
    let result = run(&plan).await.result;
    assert_eq!(result.schedule.unwrap().abandoned, 0);
    assert!((99..=101).contains(&result.stats.operations), "{} answered", result.stats.operations);
    // Microseconds: the late ones were answered, and counted.
    assert!(result.stats.latency.summary.max >= 1_000_000, "{} us at most", result.stats.latency.summary.max);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_errors_are_counted_by_class_not_as_latency() {
    let base = serve(
        Router::new()
            .route("/missing", get(|| async { (StatusCode::NOT_FOUND, "no") }))
            .route("/broken", get(|| async { (StatusCode::SERVICE_UNAVAILABLE, "down") })),
    )
    .await;
    for (path, kind, code) in [("missing", HttpErrorKind::Http4xx, "404"), ("broken", HttpErrorKind::Http5xx, "503")] {
        let result = run(&plan(&closed(&format!("{base}/{path}"), 2, Duration::from_millis(300)))).await;
        let stats = &result.result.stats;
        assert!(stats.operations > 0);
        assert_eq!(stats.successes, 0);
        assert_eq!(stats.latency.summary.count, 0);
        assert_eq!(stats.errors.get(kind.name()), Some(&stats.operations));
        assert_eq!(stats.codes.get(code), Some(&stats.operations));
    }
}

/// A weighted scenario from a TOML file: weights hold exactly, `${VAR}` values reach
/// the server but never the report, bodies are sent as JSON, and each endpoint has
/// its own breakdown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn weighted_scenario_with_secret_headers_and_json_body() {
    let seen: Arc<Mutex<HashMap<String, u64>>> = Arc::default();
    let (list_seen, create_seen) = (seen.clone(), seen.clone());
    let base = serve(
        Router::new()
            .route(
                "/items",
                get(move |headers: HeaderMap| {
                    let auth = headers.get("authorization").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
                    *list_seen.lock().unwrap().entry(format!("list {auth}")).or_default() += 1;
                    async { "[]" }
                }),
            )
            .route(
                "/items/{id}",
                post(move |Path(id): Path<u32>, body: String| {
                    *create_seen.lock().unwrap().entry(format!("create {id} {body}")).or_default() += 1;
                    async { (StatusCode::CREATED, "{}") }
                }),
            ),
    )
    .await;
    std::env::set_var("PERFPROOF_TEST_API_TOKEN", "tok-123-secret");
    let plan = plan_from_toml(&format!(
        r#"
        label = "scenario"
        [http]
        name = "shop"
        base_url = "{base}"
        [http.load]
        max_operations = 400
        duration = "30s"
        users = 4

        [[http.endpoints]]
        name = "list"
        path = "/items"
        weight = 3
        headers = {{ Authorization = "Bearer ${{PERFPROOF_TEST_API_TOKEN}}" }}

        [[http.endpoints]]
        name = "create"
        method = "POST"
        path = "/items/7"
        weight = 1
        body = {{ name = "widget", qty = 2 }}
        "#
    ));
    let result = run(&plan).await;

    let seen = seen.lock().unwrap().clone();
    assert_eq!(seen.get("list Bearer tok-123-secret"), Some(&300), "{seen:?}");
    assert_eq!(seen.get(r#"create 7 {"name":"widget","qty":2}"#), Some(&100), "{seen:?}");
    assert_eq!(result.name, "shop");
    let by_name: HashMap<_, _> = result.endpoints.iter().map(|e| (e.name.as_str(), e)).collect();
    assert_eq!(by_name["list"].stats.operations, 300);
    assert_eq!(by_name["create"].stats.codes.get("201"), Some(&100));
    assert_eq!(by_name["create"].method, "POST");
    let json = serde_json::to_string(&result).unwrap();
    assert!(!json.contains("tok-123-secret"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stop_signal_ends_the_run_promptly_with_what_was_measured() {
    let base = serve(Router::new().route(
        "/slow",
        get(|| async {
            tokio::time::sleep(Duration::from_millis(50)).await;
            "ok"
        }),
    ))
    .await;
    let (stop_tx, stop) = watch::channel(false);
    let plan = plan(&closed(&format!("{base}/slow"), 2, Duration::from_secs(60)));
    let run = tokio::spawn(async move { run_with_stop(&plan, stop).await });
    tokio::time::sleep(Duration::from_millis(500)).await;
    stop_tx.send(true).unwrap();
    let result = tokio::time::timeout(Duration::from_secs(5), run).await.expect("stopped promptly").unwrap();
    assert!(result.result.stats.successes > 0);
    assert!(result.result.duration_s < 5.0);
}

/// Open-model stages: a ramp from 0 to 200 req/s over 1 s, then 200 req/s for 1 s,
/// is 100 + 200 requests; the report carries the stages.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_model_stages_ramp_the_rate() {
    let base = serve(Router::new().route("/", get(|| async { "ok" }))).await;
    let plan = plan_from_toml(&format!(
        r#"
        [http]
        base_url = "{base}/"
        [http.load]
        rate = 1
        [[http.load.stages]]
        duration = "1s"
        target = 200
        [[http.load.stages]]
        duration = "1s"
        target = 200
        "#
    ));
    assert_eq!(plan.load.duration, Duration::from_secs(2));
    let result = run(&plan).await;
    assert!((290..=305).contains(&result.result.stats.operations), "{} requests", result.result.stats.operations);
    let schedule = result.result.schedule.unwrap();
    assert!((schedule.target_rate_per_s - 150.0).abs() < 2.0, "{}", schedule.target_rate_per_s);
    match result.result.load {
        perfproof_shared::report::LoadModel::Open { stages, rate_per_s, .. } => {
            assert_eq!(stages.len(), 2);
            assert_eq!(rate_per_s, 200.0);
        }
        other => panic!("unexpected load model {other:?}"),
    }
}

/// Closed-model stages: users ramp up, so the first half sees fewer requests in
/// flight than the second (the server counts the most it saw at once).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn closed_model_stages_ramp_the_users() {
    let in_flight = Arc::new(AtomicU64::new(0));
    let peak = Arc::new(AtomicU64::new(0));
    let (now, most) = (in_flight.clone(), peak.clone());
    let base = serve(Router::new().route(
        "/",
        get(move || {
            let (now, most) = (now.clone(), most.clone());
            async move {
                let current = now.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(current, Ordering::SeqCst);
                tokio::time::sleep(Duration::from_millis(20)).await;
                now.fetch_sub(1, Ordering::SeqCst);
                "ok"
            }
        }),
    ))
    .await;
    let plan = plan_from_toml(&format!(
        r#"
        [http]
        base_url = "{base}/"
        [[http.load.stages]]
        duration = "500ms"
        target = 2
        [[http.load.stages]]
        duration = "500ms"
        target = 6
        "#
    ));
    let result = run(&plan).await;
    assert_eq!(peak.load(Ordering::SeqCst), 6, "all six users were active at the end");
    assert!(result.result.stats.successes > 0);
    let first = result.result.timeline.first().unwrap().operations;
    assert!(first > 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_prior_knowledge_is_spoken() {
    let base = serve(Router::new().route(
        "/",
        get(|version: axum::http::Version| async move {
            if version == axum::http::Version::HTTP_2 {
                (StatusCode::OK, "h2")
            } else {
                (StatusCode::BAD_REQUEST, "not h2")
            }
        }),
    ))
    .await;
    let mut args = closed(&format!("{base}/"), 2, Duration::from_millis(300));
    args.http.http_version = Some(perfproof::workloads::http::HttpVersion::Http2);
    let result = run(&plan(&args)).await;
    assert!(result.result.stats.operations > 0);
    assert_eq!(result.result.stats.successes, result.result.stats.operations, "{:?}", result.result.stats.errors);
    assert_eq!(result.http_version, "http2");
}

/// With stages that ramp from 0, the warm-up still offers load: it runs at the
/// first stage's target (it used to run no users at all).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn warm_up_runs_at_the_first_stage_target() {
    let (base, served) = counting_server().await;
    let plan = plan_from_toml(&format!(
        r#"
        [http]
        base_url = "{base}/"
        [http.load]
        warmup = "500ms"
        [[http.load.stages]]
        duration = "500ms"
        target = 2
        "#
    ));
    let result = run(&plan).await;
    let served = served.load(Ordering::SeqCst);
    let measured = result.result.stats.operations;
    assert!(measured > 0);
    assert!(served > measured + 10, "the warm-up sent {} requests", served - measured);
}

/// A run of one stretch keeps each endpoint's figures per time window, so that the
/// endpoints' verdicts rest on batches of windows: the windows' endpoints add up
/// exactly to the run's, and the catalogue gives every endpoint percentile its
/// windows.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_single_runs_endpoints_are_kept_per_window() {
    use perfproof_shared::metrics::Evidence;
    use perfproof_shared::report::Workload;
    let base = serve(
        Router::new().route("/fast", get(|| async { "ok" })).route("/gone", get(|| async { StatusCode::NOT_FOUND })),
    )
    .await;
    let plan = plan_from_toml(&format!(
        r#"
        [http]
        name = "api"
        base_url = "{base}"
        [http.load]
        duration = "6s"
        users = 2
        think_time = "2ms"
        [[http.endpoints]]
        name = "fast"
        path = "/fast"
        weight = 3
        [[http.endpoints]]
        name = "gone"
        path = "/gone"
        weight = 1
        "#
    ));
    let result = run(&plan).await;
    let windows = &result.result.windows;
    assert!(windows.len() >= 6, "{} windows", windows.len());
    for endpoint in &result.endpoints {
        let key = format!("endpoint.{}", endpoint.name);
        let successes: u64 = windows.iter().map(|w| w.parts[&key].summary.count).sum();
        assert_eq!(successes, endpoint.stats.latency.summary.count, "{key}");
        let [errors, operations] = windows
            .iter()
            .map(|w| w.proportions[&format!("{key}.error_rate")])
            .fold([0, 0], |[e, n], [x, m]| [e + x, n + m]);
        assert_eq!((errors, operations), (endpoint.stats.error_count(), endpoint.stats.operations), "{key}");
    }
    let mut metrics = Vec::new();
    Workload::Http(result).metrics(&mut metrics).unwrap();
    let p50 = metrics.iter().find(|m| m.key == "http.api.endpoint.fast.latency.p50").unwrap();
    let Evidence::Quantile { latency, .. } = &p50.evidence else { panic!("{:?}", p50.evidence) };
    assert!(latency.windows.len() >= 5, "{} batches", latency.windows.len());
    let Evidence::Proportion(errors) =
        &metrics.iter().find(|m| m.key == "http.api.endpoint.gone.error_rate").unwrap().evidence
    else {
        panic!("no proportion")
    };
    assert!(errors.windows.len() >= 5 && errors.windows.iter().all(|&[x, n]| x == n && n > 0), "{:?}", errors.windows);
}
