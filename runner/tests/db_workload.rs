//! The database workload against the real PostgreSQL and MariaDB of this machine
//! (and CI), and embedded SQLite: counts that match what the database saw, the
//! pool's figures, the sweep, and faults. `scripts/services.sh` starts the
//! servers; a server that is down fails these tests.
//!
//! Each test works on a table of its own name and drops it, so the tests can run
//! in any order and twice in a row. They take `SERIAL` one at a time: the test
//! that kills MariaDB connections picks them by database, so no other test's may
//! be open then.

use perfproof::workloads::KindPlan;
use std::time::Duration;

use perfproof::config::load::LoadOverrides;
use perfproof::config::{self, Flags};
use perfproof::load::Context;
use perfproof::workloads::db::section::DbOverrides;
use perfproof::workloads::db::DbPlan;
use perfproof::workloads::WorkloadPlan;
use perfproof_shared::report::DbResult;
use sqlx::{Connection, Executor, Row};
use tokio::sync::watch;

const POSTGRES: &str = "postgres://root@127.0.0.1:5432/test";
const MARIADB: &str = "mysql://root@127.0.0.1:3306/test";

static SERIAL: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A table name no other test (or run of this one) uses at the same time.
fn table(tag: &str) -> String {
    format!("perfproof_t_{tag}_{}", std::process::id())
}

/// The plan of a `[db]` section (TOML) against `url`.
fn plan(section: &str, url: Option<&str>, load: LoadOverrides) -> DbPlan {
    let file = config::parse_scenario(section).unwrap();
    let flags = Flags {
        quiet: true,
        db: DbOverrides { url: url.map(String::from) },
        workloads: Some(vec!["db".into()]),
        load,
        // One stretch: these tests drive one plan, not trials.
        trials: Some(1),
        ..Flags::default()
    };
    match config::resolve(file, &flags).unwrap().workloads.remove(0) {
        WorkloadPlan::Db(plan) => plan,
        other => panic!("expected a db workload, not {}", other.kind()),
    }
}

fn users(users: u32, seconds: f64) -> LoadOverrides {
    LoadOverrides {
        users: Some(users),
        duration: Some(Duration::from_secs_f64(seconds)),
        warmup: Some(Duration::ZERO),
        ..LoadOverrides::default()
    }
}

async fn run(plan: &DbPlan) -> DbResult {
    let (_tx, stop) = watch::channel(false);
    let context = Context { stop, quiet: true, target_in_process: false };
    plan.check_reachable().await.unwrap();
    plan.run(&context).await.unwrap()
}

async fn connect(url: &str) -> sqlx::AnyConnection {
    sqlx::any::install_default_drivers();
    sqlx::AnyConnection::connect(url).await.unwrap_or_else(|e| panic!("{url}: {e} (is scripts/services.sh run?)"))
}

async fn table_exists(url: &str, table: &str) -> bool {
    let mut conn = connect(url).await;
    let sql = if url.starts_with("postgres") {
        format!("SELECT COUNT(*) FROM information_schema.tables WHERE table_name = '{table}'")
    } else {
        format!(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = DATABASE() AND table_name = '{table}'"
        )
    };
    let n: i64 = conn.fetch_one(sql.as_str()).await.unwrap().get(0);
    n > 0
}

fn stats<'a>(result: &'a DbResult, query: &str) -> &'a perfproof_shared::report::OperationStats {
    &result.queries.iter().find(|q| q.name == query).unwrap().stats
}

/// Every transaction is measured or counted as an error, and the database agrees:
/// the sum of the counter the updates increment, and the rows the inserts added.
async fn counts_match(url: &str, tag: &str) {
    let name = table(tag);
    let section = format!(
        "[db]\ntable = \"{name}\"\nrows = 2000\nkeep_table = true\npool = 4\n\
         [[db.queries]]\nname = \"read\"\nkind = \"point_select\"\nweight = 2\n\
         [[db.queries]]\nname = \"write\"\nkind = \"update\"\nweight = 3\n\
         [[db.queries]]\nname = \"add\"\nkind = \"insert\"\nweight = 1\n\
         [[db.queries]]\nname = \"range\"\nkind = \"range_select\"\nweight = 1\n"
    );
    let plan = plan(&section, Some(url), users(8, 1.5));
    let result = run(&plan).await;
    let r = &result.result;
    assert!(r.complete && r.stats.operations > 100, "{:?}", r.stats);
    assert_eq!(r.stats.error_count(), 0, "{:?} {:?}", r.stats.errors, r.warnings);
    // Every transaction checked a connection out, and its two phases were measured.
    assert_eq!(result.pool.checkouts, r.stats.operations);
    assert_eq!(result.pool.acquire_wait.summary.count, r.stats.operations);
    assert_eq!(result.pool.hold.summary.count, r.stats.operations);
    assert_eq!(result.pool.connections_opened, 4);
    assert_eq!(result.pool.connect.summary.count, 4);
    for ratio in [result.pool.efficiency, result.pool.utilization] {
        assert!(ratio > 0.0 && ratio <= 1.0, "{ratio}");
    }
    // Each window keeps each query's latency and the pool's direct checkouts, which
    // add up exactly to the run's: the evidence of their verdicts in a run of one stretch.
    for query in &result.queries {
        let kept: u64 = r.windows.iter().map(|w| w.parts[&format!("query.{}", query.name)].summary.count).sum();
        assert_eq!(kept, query.stats.latency.summary.count, "{}", query.name);
    }
    let direct =
        r.windows.iter().map(|w| w.proportions["pool.direct_ratio"]).fold([0, 0], |[x, n], [a, b]| [x + a, n + b]);
    assert_eq!(direct, [result.pool.direct_checkouts, result.pool.checkouts]);
    let mut conn = connect(url).await;
    let sum: i64 = conn
        .fetch_one(format!("SELECT CAST(COALESCE(SUM(counter), 0) AS {}) FROM {name}", int_type(url)).as_str())
        .await
        .unwrap()
        .get(0);
    let rows: i64 = conn.fetch_one(format!("SELECT COUNT(*) FROM {name}").as_str()).await.unwrap().get(0);
    conn.execute(format!("DROP TABLE {name}").as_str()).await.unwrap();
    assert_eq!(sum as u64, stats(&result, "write").successes, "updates the database saw");
    assert_eq!(rows as u64 - 2000, stats(&result, "add").successes, "inserts the database saw");
    assert!(!result.server_version.is_empty());
}

fn int_type(url: &str) -> &'static str {
    if url.starts_with("mysql") {
        "SIGNED"
    } else {
        "BIGINT"
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_counts_match_what_the_database_saw() {
    let _serial = SERIAL.lock().await;
    counts_match(POSTGRES, "counts").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mariadb_counts_match_what_the_database_saw() {
    let _serial = SERIAL.lock().await;
    counts_match(MARIADB, "counts").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sqlite_counts_match_what_the_database_saw() {
    let _serial = SERIAL.lock().await;
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}?mode=rwc", dir.path().join("t.db").display());
    counts_match(&url, "counts").await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_small_pool_waits_more_and_the_sweep_recommends_a_size() {
    let _serial = SERIAL.lock().await;
    let name = table("sweep");
    let section = format!("[db]\ntable = \"{name}\"\nrows = 2000\n[db.sweep]\npools = [1, 16]\nusers = [16]\n");
    let plan = plan(&section, Some(POSTGRES), users(16, 1.0));
    let result = run(&plan).await;
    assert_eq!(result.sweep.len(), 2);
    let (small, large) = (&result.sweep[0].pool, &result.sweep[1].pool);
    assert_eq!((small.size, large.size), (1, 16));
    assert!(small.efficiency < large.efficiency, "{} vs {}", small.efficiency, large.efficiency);
    assert!(small.acquire_wait.summary.p50 > large.acquire_wait.summary.p50);
    assert!(small.peak_waiters >= 14, "{}", small.peak_waiters);
    let recommendation = result.recommendation.as_ref().expect("a sweep recommends a pool size");
    assert!([1, 16].contains(&recommendation.pool_size));
    // The headline is the recommended point, whose windows also keep its parts' figures.
    let mut headline = result.result.clone();
    for window in &mut headline.windows {
        assert!(window.proportions.contains_key("pool.direct_ratio"), "{:?}", window.proportions);
        (window.parts, window.proportions) = Default::default();
    }
    assert_eq!(headline, result.sweep[recommendation.point].result, "the headline is the recommended point");
    assert!(!table_exists(POSTGRES, &name).await, "the table is dropped after the run");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_open_model_measures_from_the_schedule() {
    let _serial = SERIAL.lock().await;
    let name = table("open");
    let section = format!("[db]\ntable = \"{name}\"\nrows = 500\n");
    let load = LoadOverrides {
        rate: Some(300.0),
        duration: Some(Duration::from_secs(1)),
        warmup: Some(Duration::ZERO),
        ..LoadOverrides::default()
    };
    let result = run(&plan(&section, Some(MARIADB), load)).await;
    let schedule = result.result.schedule.as_ref().expect("the open model keeps a schedule");
    assert!((schedule.target_rate_per_s - 300.0).abs() < 1e-6);
    assert!(result.result.stats.operations >= 250, "{}", result.result.stats.operations);
    assert!(!table_exists(MARIADB, &name).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_statement_is_counted_with_its_message() {
    let _serial = SERIAL.lock().await;
    let name = table("failing");
    let section = format!(
        "[db]\ntable = \"{name}\"\nrows = 100\n\
         [[db.queries]]\nname = \"ok\"\nkind = \"point_select\"\n\
         [[db.queries]]\nname = \"broken\"\nsql = \"SELECT nope FROM {name}_missing WHERE id = $1\"\nparams = [\"key\"]\n"
    );
    let result = run(&plan(&section, Some(POSTGRES), users(2, 0.5))).await;
    let broken = stats(&result, "broken");
    assert_eq!(broken.successes, 0);
    assert_eq!(broken.errors.get("statement_error").copied(), Some(broken.operations));
    assert!(stats(&result, "ok").successes > 0);
    let warning = result.result.warnings.iter().find(|w| w.contains("statement_error")).expect("the first message");
    assert!(warning.contains("broken") && warning.contains("does not exist"), "{warning}");
    assert!(!table_exists(POSTGRES, &name).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_held_lock_makes_statements_time_out() {
    let _serial = SERIAL.lock().await;
    let name = table("locked");
    let section = format!(
        "[db]\ntable = \"{name}\"\nrows = 100\nkeep_table = true\nstatement_timeout = \"200ms\"\n\
         [[db.queries]]\nname = \"write\"\nsql = \"UPDATE {name} SET counter = counter + 1 WHERE id = 1\"\n"
    );
    // Seed the table first (a run with the same plan), then lock row 1 and run again.
    let plan = plan(&section, Some(POSTGRES), users(2, 1.0));
    run(&plan).await;
    let mut locker = connect(POSTGRES).await;
    locker.execute("BEGIN").await.unwrap();
    locker.execute(format!("SELECT * FROM {name} WHERE id = 1 FOR UPDATE").as_str()).await.unwrap();
    let result = run(&plan).await;
    locker.execute("ROLLBACK").await.unwrap();
    locker.execute(format!("DROP TABLE {name}").as_str()).await.unwrap();
    let r = &result.result;
    assert_eq!(r.stats.successes, 0);
    assert!(r.stats.errors.get("statement_timeout").copied().unwrap_or(0) >= 4, "{:?}", r.stats.errors);
    // A server-side timeout leaves the connection usable: none was reopened.
    assert_eq!(result.pool.connections_opened, u64::from(result.pool.size));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_backends_are_counted_and_replaced() {
    let _serial = SERIAL.lock().await;
    for url in [format!("{POSTGRES}?application_name=perfproof_kill"), MARIADB.to_string()] {
        let name = table("killed");
        let section = format!("[db]\ntable = \"{name}\"\nrows = 500\npool = 4\n");
        let plan = plan(&section, Some(&url), users(8, 2.0));
        let killer = {
            let url = url.clone();
            tokio::spawn(async move {
                tokio::time::sleep(Duration::from_millis(700)).await;
                let mut conn = connect(&url).await;
                if url.starts_with("postgres") {
                    conn.execute(
                        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = \
                         'perfproof_kill' AND pid <> pg_backend_pid()",
                    )
                    .await
                    .unwrap();
                } else {
                    let ids = conn
                        .fetch_all(
                            "SELECT CAST(id AS SIGNED) FROM information_schema.processlist WHERE db = 'test' AND id \
                             <> CONNECTION_ID() AND command <> 'Daemon'",
                        )
                        .await
                        .unwrap();
                    for row in ids {
                        let id: i64 = row.get(0);
                        let _ = conn.execute(format!("KILL {id}").as_str()).await;
                    }
                }
            })
        };
        let result = run(&plan).await;
        killer.await.unwrap();
        let r = &result.result;
        assert!(r.complete, "{url}: {:?} {:?}", r.stats, r.warnings);
        let lost = r.stats.errors.get("connection_lost").copied().unwrap_or(0);
        assert!(lost >= 1, "{url}: {:?} {:?}", r.stats.errors, r.warnings);
        assert!(r.stats.successes > 100, "{url}: the pool replaced the killed connections");
        assert!(result.pool.connections_opened > 4, "{url}: {}", result.pool.connections_opened);
        assert!(!table_exists(&url, &name).await, "{url}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_databases_and_wrong_passwords_say_so_without_the_password() {
    let _serial = SERIAL.lock().await;
    let down = plan("[db]\n", Some("postgres://root:hunter2@127.0.0.1:1/test"), users(1, 0.2));
    let error = format!("{:#}", down.check_reachable().await.unwrap_err());
    assert!(error.contains("cannot connect to postgres://127.0.0.1:1/test (connect)"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
    let wrong = plan("[db]\n", Some("mysql://root:hunter2@127.0.0.1:3306/test"), users(1, 0.2));
    let error = format!("{:#}", wrong.check_reachable().await.unwrap_err());
    assert!(error.contains("(authentication)"), "{error}");
    assert!(!error.contains("hunter2"), "{error}");
}

#[test]
fn bad_sections_name_the_field() {
    let file = |text: &str| {
        let flags = Flags { workloads: Some(vec!["db".into()]), ..Flags::default() };
        config::resolve(config::parse_scenario(text).unwrap(), &flags).map(|_| ()).unwrap_err()
    };
    let cases = [
        ("[db]\nurl = \"redis://x\"\n", "db.url"),
        ("[db]\ntable = \"users; DROP TABLE x\"\n", "db.table"),
        ("[db]\n[[db.queries]]\nname = \"q\"\n", "db.queries[0]"),
        ("[db]\n[[db.queries]]\nname = \"q\"\nkind = \"delete\"\n", "db.queries[0].kind"),
        ("[db]\n[[db.queries]]\nname = \"q\"\nsql = \"SELECT 1\"\nparams = [\"row\"]\n", "db.queries[0].params"),
        ("[db]\ndistribution = \"zipf\"\n", "db.distribution"),
        ("[db]\npool = 0\n", "db.pool"),
        ("[db]\n[db.sweep]\npools = [1]\nrates = [10.0]\n", "db.sweep.rates"),
    ];
    for (text, field) in cases {
        let error = format!("{:#}", file(text));
        assert!(error.contains(field), "{text:?}: {error}");
    }
}

/// The binary, end to end: a database that is down is named in the report's
/// failures (exit code 1), and the password is in no output.
#[test]
fn a_database_down_at_the_start_is_a_failure_in_the_report_without_the_password() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("r.json");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_perfproof"))
        .args(["run", "-q", "-d", "1s", "--db-url", "postgres://root:hunter2@127.0.0.1:1/test?password=hunter2", "-o"])
        .arg(&report)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = std::fs::read_to_string(&report).unwrap();
    let parsed = perfproof_shared::parse_report(&text).unwrap();
    assert_eq!(parsed.failures.len(), 1);
    assert!(parsed.failures[0].error.contains("cannot connect"), "{}", parsed.failures[0].error);
    for output in [text, String::from_utf8_lossy(&out.stdout).into(), String::from_utf8_lossy(&out.stderr).into()] {
        assert!(!output.contains("hunter2"), "{output}");
    }
}
