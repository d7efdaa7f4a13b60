//! Lookup benchmark: `cargo bench --bench lookup`.
//!
//! Starts `cpis sandbox serve --delay-ms D` (every response delayed by D), then times lookups
//! through the optimised binary. Because the two searches run concurrently, a lookup should take
//! about one request's latency (~D), not two (~2D). Also reports process start-up time
//! (`cpis --version`) and the peak resident memory of a lookup process.
//!
//! Settings: CPIS_BENCH_DELAY_MS (default 200), CPIS_BENCH_RUNS (default 10).

mod common;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{clean, env_num, median, ms, Sandbox, BIN};

fn time_run(args: &[&str], env: &[(&str, String)]) -> Duration {
    let mut c = Command::new(BIN);
    clean(&mut c).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let ran = common::run(&mut c);
    assert!(
        ran.success,
        "cpis {args:?} failed: {}",
        String::from_utf8_lossy(&ran.stderr)
    );
    ran.wall
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

/// A lookup through cpis: its wall time and its own peak memory.
fn lookup(sb: &Sandbox, nhs: &str) -> common::Ran {
    lookup_on(sb, nhs, "fhir")
}

/// A lookup by `route` (`fhir`, or `flags`: the Patient Flags API, PDS and one GET).
fn lookup_on(sb: &Sandbox, nhs: &str, route: &str) -> common::Ran {
    let mut c = Command::new(BIN);
    clean(&mut c)
        .args(["--base-url", &sb.base_url, "--route", route])
        .args(["lookup", nhs, "--scheduled", "--format", "json", "--quiet"])
        // A base URL needs a credential; the sandbox accepts any well-formed token.
        .env("CPIS_ACCESS_TOKEN", "sandbox-token");
    if let Some(ca) = &sb.ca_bundle {
        c.args(["--ca-bundle", ca]);
    }
    let ran = common::run(&mut c);
    assert!(ran.success, "{}", String::from_utf8_lossy(&ran.stderr));
    ran
}

/// An unscheduled lookup on `--route v3` against the embedded sandbox's MHS adaptor (PDS,
/// then one POST): its wall time and how many POSTs it logged (`-v`).
fn v3_lookup(nhs: &str, delay: u64) -> (Duration, usize) {
    let mut c = Command::new(BIN);
    clean(&mut c)
        .args([
            "-v",
            "--route",
            "v3",
            "lookup",
            nhs,
            "--unscheduled",
            "--yes",
        ])
        .args(["--format", "json"])
        .env("CPIS_SANDBOX_DELAY_MS", delay.to_string());
    let ran = common::run(&mut c);
    assert!(ran.success, "{}", String::from_utf8_lossy(&ran.stderr));
    let posts = String::from_utf8_lossy(&ran.stderr)
        .lines()
        .filter(|l| l.contains("note: POST ") && l.contains("(body hidden)"))
        .count();
    (ran.wall, posts)
}

/// The same three GETs (PDS and the two searches), with the same headers, made by curl in
/// parallel.
fn curl(sb: &Sandbox, nhs: &str) -> Duration {
    let q = format!("patient:identifier=https%3A%2F%2Ffhir.nhs.uk%2FId%2Fnhs-number%7C{nhs}");
    let mut c = Command::new("curl");
    c.args(["--parallel", "--parallel-immediate", "--silent", "--fail"])
        .args(["-H", "accept: application/fhir+json"])
        .args(["-H", "traceid: 5f0e6a4c-4a8e-4a3b-9a53-0d0c1c2b3a4d"])
        .args(["-H", "x-request-id: 5f0e6a4c-4a8e-4a3b-9a53-0d0c1c2b3a4d"])
        .args(["-H", "isunscheduledaccessevent: false"])
        .args(["-H", "authorization: Bearer sandbox-token"])
        .args(["-o", "/dev/null", "-o", "/dev/null", "-o", "/dev/null"])
        .arg(
            sb.base_url
                .replace("/cpis/FHIR/R4", &format!("/personal-demographics/FHIR/R4/Patient/{nhs}")),
        )
        .arg(format!("{}/CareTeam?{q}", sb.base_url))
        .arg(format!(
            "{}/AuditEvent?{q}&_include=AuditEvent%3Aentity-type%3Dhttp%3A%2F%2Fterminology.hl7.org%2FCodeSystem%2Fv3-RoleClass%7CASSIGNED",
            sb.base_url
        ));
    if let Some(ca) = &sb.ca_bundle {
        c.args(["--cacert", ca]);
    }
    let ran = common::run(&mut c);
    assert!(
        ran.success,
        "curl: {}",
        String::from_utf8_lossy(&ran.stderr)
    );
    ran.wall
}

fn curl_available() -> bool {
    Command::new("curl")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

fn main() {
    // `cargo bench` passes `--bench`; nothing else is understood.
    let delay = env_num("CPIS_BENCH_DELAY_MS", 200);
    let runs = env_num("CPIS_BENCH_RUNS", 10).max(1) as usize;
    let nhs = "9990000026";

    let startup = median((0..runs).map(|_| time_run(&["--version"], &[])).collect());

    let delayed = Sandbox::start(&["--delay-ms", &delay.to_string()]);
    let single = median(
        (0..runs.min(5))
            .map(|_| one_request(&delayed.host_port))
            .collect(),
    );
    lookup(&delayed, nhs); // warm-up
    let mut rss = 0;
    let lookups: Vec<Duration> = (0..runs)
        .map(|_| {
            let r = lookup(&delayed, nhs);
            rss = rss.max(r.max_rss_kib.unwrap_or(0));
            r.wall
        })
        .collect();
    let (min, max) = (
        *lookups.iter().min().unwrap(),
        *lookups.iter().max().unwrap(),
    );
    let lookup_median = median(lookups);
    // The Patient Flags route: PDS and one GET, at once.
    lookup_on(&delayed, nhs, "flags");
    let flags_median = median(
        (0..runs)
            .map(|_| lookup_on(&delayed, nhs, "flags").wall)
            .collect(),
    );
    drop(delayed);

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

    // The HL7 V3 route: PDS, then one POST to the MHS adaptor (unscheduled: in that order).
    v3_lookup(nhs, delay);
    let v3: Vec<(Duration, usize)> = (0..runs).map(|_| v3_lookup(nhs, delay)).collect();
    let v3_posts = v3.iter().map(|r| r.1).max().unwrap_or(0);
    let v3_median = median(v3.into_iter().map(|r| r.0).collect());

    let ratio = ms(lookup_median) / ms(single);
    println!(
        "cpis lookup benchmark ({runs} runs each, medians; injected delay {delay} ms per request)"
    );
    println!(
        "  one request to the sandbox         {:>8.1} ms",
        ms(single)
    );
    println!(
        "  lookup (PDS + 2 searches), serve   {:>8.1} ms  (min {:.1}, max {:.1})",
        ms(lookup_median),
        ms(min),
        ms(max)
    );
    println!(
        "  lookup, embedded sandbox (local)   {:>8.1} ms",
        ms(embedded)
    );
    println!(
        "  lookup --route flags (PDS + flag)  {:>8.1} ms  ({:.2} x one request)",
        ms(flags_median),
        ms(flags_median) / ms(single)
    );
    println!(
        "  lookup --route v3, embedded        {:>8.1} ms  (PDS then the query; {v3_posts} POST per lookup)",
        ms(v3_median)
    );
    println!(
        "  lookup / one request               {:>8.2} x  (sequential requests would be ~3x)",
        ratio
    );
    println!(
        "  process start-up (cpis --version)  {:>8.1} ms",
        ms(startup)
    );
    if rss > 0 {
        println!(
            "  peak RSS of a lookup process       {:>8.1} MiB",
            rss as f64 / 1024.0
        );
    }
    println!(
        "  verdict: {}",
        if ratio < 1.5 {
            "PDS and the two searches overlap: a lookup costs about one request's latency"
        } else {
            "SLOWER THAN EXPECTED: the searches do not seem to overlap"
        }
    );

    // cpis lookup against curl making the same two GETs in parallel, no injected delay,
    // alternating A B A B so that drift affects both alike.
    if !curl_available() {
        println!("  lookup vs curl: skipped (no curl on PATH)");
        return;
    }
    let pairs = env_num("CPIS_BENCH_CURL_RUNS", 30).max(1) as usize;
    println!("cpis lookup against curl --parallel --parallel-immediate, the same three GETs (PDS and two searches), no delay ({pairs} pairs, medians)");
    for (label, args) in [("HTTP ", &[][..]), ("HTTPS", &["--tls"][..])] {
        let sb = Sandbox::start(args);
        lookup(&sb, nhs);
        curl(&sb, nhs);
        let (mut a, mut b) = (Vec::new(), Vec::new());
        for _ in 0..pairs {
            a.push(lookup(&sb, nhs).wall);
            b.push(curl(&sb, nhs));
        }
        let (a, b) = (median(a), median(b));
        println!(
            "  {label}  cpis {:>6.1} ms   curl {:>6.1} ms   cpis/curl {:>5.2} x",
            ms(a),
            ms(b),
            ms(a) / ms(b)
        );
    }
}
