//! The `perfproof` binary end to end: command line in, report out.

use std::process::Command;

use perfproof_shared::parse_report;
use perfproof_shared::report::{json_schema, Workload};

fn perfproof() -> Command {
    Command::new(env!("CARGO_BIN_EXE_perfproof"))
}

#[test]
fn run_on_the_embedded_default_writes_a_valid_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("nested").join("run.json");
    let out = perfproof()
        .args(["run", "--duration", "1s", "--users", "4", "--label", "ci", "-o"])
        .arg(&path)
        .env_remove("PERFPROOF_URL")
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(stdout.contains("throughput (/s)") && stdout.contains(" p95 "), "no summary table in: {stdout}");

    let text = std::fs::read_to_string(&path).unwrap();
    let report = parse_report(&text).unwrap();
    assert!(report.run.complete);
    assert_eq!(report.run.label, "ci");
    let Workload::Http(http) = &report.workloads[0] else { panic!("expected an http workload") };
    assert!(http.result.stats.successes > 0);
    assert_eq!(http.result.stats.error_count(), 0);

    // The published JSON Schema accepts the real report.
    let schema = json_schema();
    let validator = jsonschema::validator_for(&schema).unwrap();
    let instance: serde_json::Value = serde_json::from_str(&text).unwrap();
    let errors: Vec<String> =
        validator.iter_errors(&instance).map(|e| format!("{} at {}", e, e.instance_path)).collect();
    assert!(errors.is_empty(), "schema violations: {errors:?}");
    // Nothing but the report is left in the directory (the temporary file was renamed).
    assert_eq!(std::fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
}

#[test]
fn schema_command_prints_the_json_schema() {
    let out = perfproof().arg("schema").output().unwrap();
    assert!(out.status.success());
    let printed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(printed, json_schema());
}

/// A loopback HTTP server on its own thread that answers every request `200 ok`.
fn ok_server() -> u16 {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for mut stream in listener.incoming().flatten() {
            std::thread::spawn(move || {
                let mut buf = [0u8; 4096];
                while matches!(stream.read(&mut buf), Ok(n) if n > 0) {
                    let _ = stream.write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
                }
            });
        }
    });
    port
}

#[test]
fn credentials_in_the_url_never_reach_the_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    let port = ok_server();
    let out = perfproof()
        .args(["run", "-d", "200ms", "-c", "1", "--url"])
        .arg(format!("http://admin:hunter2@127.0.0.1:{port}/"))
        .arg("-o")
        .arg(&path)
        .output()
        .unwrap();
    assert!(out.status.success(), "stderr: {}", String::from_utf8_lossy(&out.stderr));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(!text.contains("hunter2") && !text.contains("admin"));
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hunter2"));

    // Nor do they when the target is down and the workload cannot start.
    let down = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
    let out = perfproof()
        .args(["run", "-d", "200ms", "-c", "1", "--url"])
        .arg(format!("http://admin:hunter2@127.0.0.1:{down}/"))
        .arg("-o")
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(1));
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("cannot be reached") && !text.contains("hunter2") && !text.contains("admin"), "{text}");
    assert!(!String::from_utf8_lossy(&out.stderr).contains("hunter2"));
}

#[test]
fn bad_arguments_exit_with_usage_error() {
    let out = perfproof().args(["run", "--duration", "soon"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("soon"));
}

#[cfg(unix)]
#[test]
fn sigterm_stops_the_run_and_still_writes_an_incomplete_report() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("r.json");
    let child = perfproof()
        .args(["run", "-d", "60s", "-c", "2", "-q", "-o"])
        .arg(&path)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap();
    assert!(killed.success());
    let started = std::time::Instant::now();
    let out = child.wait_with_output().unwrap();
    assert!(started.elapsed() < std::time::Duration::from_secs(10), "did not stop promptly");
    assert_eq!(out.status.code(), Some(130));
    let report = parse_report(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert!(!report.run.complete);
    let Workload::Http(http) = &report.workloads[0] else { panic!("expected an http workload") };
    assert!(http.result.stats.successes > 0);
    assert!(http.result.duration_s < 30.0);
}

#[test]
fn scenario_file_errors_name_the_field() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, "[http.load]\nduration = \"forever\"\n").unwrap();
    let out = perfproof().args(["run", "-f"]).arg(&path).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("http.load.duration") && stderr.contains("forever"), "{stderr}");

    std::fs::write(&path, "[http.load]\nusers = 4\nspeed = 3\n").unwrap();
    let out = perfproof().args(["run", "-f"]).arg(&path).output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("speed") && stderr.contains("line 3"), "{stderr}");
}

#[test]
fn example_scenario_parses() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../examples/scenario.toml");
    let file = perfproof::config::read_scenario(std::path::Path::new(path)).unwrap();
    let http = &file.http.0[0];
    assert_eq!(http.endpoints.len(), 2);
    assert_eq!(http.load.users, Some(32));
    let db = &file.db.0[0];
    assert_eq!((db.queries.len(), db.sweep.as_ref().map(|s| s.pools.len())), (3, Some(5)));
    let ml = &file.ml.0[0];
    assert_eq!((ml.backend.as_deref(), ml.batch_sizes.as_deref()), (Some("oip"), Some(&[1, 8, 32][..])));
    let cache = &file.cache.0[0];
    assert_eq!((cache.keys, cache.write_policy.as_deref()), (Some(10_000), Some("invalidate")));
    let monitor = file.monitor.as_ref().unwrap();
    assert_eq!((monitor.rate, monitor.every.as_deref()), (Some(5.0), Some("1m")));
    std::env::set_var("DB_PASSWORD", "unused");
    std::env::set_var("API_TOKEN", "unused");
    let settings = perfproof::config::resolve(file, &perfproof::config::Flags::default()).unwrap();
    assert_eq!(settings.workloads.iter().map(|w| w.kind()).collect::<Vec<_>>(), ["http", "db", "ml", "cache"]);
}

#[test]
fn a_printing_command_ends_quietly_when_its_output_pipe_closes() {
    use std::os::unix::process::ExitStatusExt;
    use std::process::Stdio;
    // More than a pipe's buffer (64 KiB) of JSON, and nobody reading it, as with `| head -0`.
    let samples = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../static/samples");
    let mut child = perfproof()
        .args(["compare", "--json"])
        .arg(samples.join("baseline.json"))
        .arg(samples.join("optimized.json"))
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(out.status.signal(), Some(libc::SIGPIPE), "{:?}: {stderr}", out.status);
}
