//! Lookup benchmark: `cargo bench --bench lookup`.
//!
//! Starts `cpis sandbox serve --delay-ms D` (every response delayed by D), then times lookups
//! through the optimised binary. Because the two searches run concurrently, a lookup should take
//! about one request's latency (~D), not two (~2D). Also reports process start-up time
//! (`cpis --version`) and the peak resident memory of a lookup process.
//!
//! Settings: CPIS_BENCH_DELAY_MS (default 200), CPIS_BENCH_RUNS (default 10).

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_cpis");

fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn clean(c: &mut Command) -> &mut Command {
    for v in [
        "CPIS_ENV",
        "CPIS_BASE_URL",
        "CPIS_PROFILE",
        "CPIS_ACCESS_TOKEN",
        "CPIS_CARE_SETTING",
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "https_proxy",
        "http_proxy",
        "all_proxy",
    ] {
        c.env_remove(v);
    }
    c.env(
        "CPIS_CONFIG_DIR",
        std::env::temp_dir().join("cpis-bench-config"),
    )
    .stdin(Stdio::null())
}

fn time_run(args: &[&str], env: &[(&str, String)]) -> Duration {
    let mut c = Command::new(BIN);
    clean(&mut c)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    for (k, v) in env {
        c.env(k, v);
    }
    let start = Instant::now();
    let out = c.output().expect("run cpis");
    let took = start.elapsed();
    assert!(
        out.status.success(),
        "cpis {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    took
}

/// One raw GET to the sandbox, for the latency of a single request.
fn one_request(host_port: &str) -> Duration {
    let start = Instant::now();
    let mut s = TcpStream::connect(host_port).unwrap();
    write!(
        s,
        "GET /cpis/FHIR/R4/metadata HTTP/1.1\r\nHost: {host_port}\r\nConnection: close\r\n\r\n"
    )
    .unwrap();
    let mut body = Vec::new();
    s.read_to_end(&mut body).unwrap();
    start.elapsed()
}

/// Peak resident set size of any waited-for child so far, in KiB (Linux reports KiB).
#[cfg(unix)]
fn children_max_rss_kib() -> Option<i64> {
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage writes into the struct we own.
    let rc = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut u) };
    (rc == 0).then_some(u.ru_maxrss)
}

#[cfg(not(unix))]
fn children_max_rss_kib() -> Option<i64> {
    None
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    let delay = env_num("CPIS_BENCH_DELAY_MS", 200);
    let runs = env_num("CPIS_BENCH_RUNS", 10).max(1) as usize;
    let nhs = "9990000026";

    let version_runs: Vec<Duration> = (0..runs).map(|_| time_run(&["--version"], &[])).collect();
    let startup = median(version_runs);

    let mut sandbox = Command::new(BIN);
    clean(&mut sandbox)
        .args([
            "sandbox",
            "serve",
            "--addr",
            "127.0.0.1:0",
            "--delay-ms",
            &delay.to_string(),
            "--quiet",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::null());
    let mut sandbox = sandbox.spawn().expect("start the sandbox");
    let mut line = String::new();
    BufReader::new(sandbox.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let base = line.trim().strip_prefix("base_url: ").unwrap().to_string();
    let host_port = base
        .trim_start_matches("http://")
        .split('/')
        .next()
        .unwrap()
        .to_string();

    let single = median((0..runs.min(5)).map(|_| one_request(&host_port)).collect());
    let lookup_args = [
        "--base-url",
        base.as_str(),
        "lookup",
        nhs,
        "--scheduled",
        "--format",
        "json",
        "--quiet",
    ];
    // A base URL needs a credential; the sandbox accepts any well-formed token.
    let token = [("CPIS_ACCESS_TOKEN", "sandbox-token".to_string())];
    time_run(&lookup_args, &token); // warm-up
    let lookups: Vec<Duration> = (0..runs).map(|_| time_run(&lookup_args, &token)).collect();
    let (min, max) = (
        *lookups.iter().min().unwrap(),
        *lookups.iter().max().unwrap(),
    );
    let lookup = median(lookups);
    let rss = children_max_rss_kib();

    // The default, embedded sandbox (started in-process by the lookup itself).
    let embedded = median(
        (0..runs)
            .map(|_| {
                time_run(
                    &["lookup", nhs, "--scheduled", "--format", "json", "--quiet"],
                    &[("CPIS_SANDBOX_DELAY_MS", delay.to_string())],
                )
            })
            .collect(),
    );
    let _ = sandbox.kill();
    let _ = sandbox.wait();

    let ratio = ms(lookup) / ms(single);
    println!(
        "cpis lookup benchmark ({runs} runs each, medians; injected delay {delay} ms per request)"
    );
    println!(
        "  one request to the sandbox         {:>8.1} ms",
        ms(single)
    );
    println!(
        "  lookup (2 searches), sandbox serve {:>8.1} ms  (min {:.1}, max {:.1})",
        ms(lookup),
        ms(min),
        ms(max)
    );
    println!(
        "  lookup, embedded sandbox (local)   {:>8.1} ms",
        ms(embedded)
    );
    println!(
        "  lookup / one request               {:>8.2} x  (sequential searches would be ~2x)",
        ratio
    );
    println!(
        "  process start-up (cpis --version)  {:>8.1} ms",
        ms(startup)
    );
    match rss {
        Some(kib) => println!(
            "  peak RSS of a lookup process       {:>8.1} MiB",
            kib as f64 / 1024.0
        ),
        None => println!("  peak RSS of a lookup process       (not available on this platform)"),
    }
    println!(
        "  verdict: {}",
        if ratio < 1.5 {
            "the two searches overlap: a lookup costs about one request's latency"
        } else {
            "SLOWER THAN EXPECTED: the searches do not seem to overlap"
        }
    );
}
