//! Batch benchmark: `cargo bench --bench batch`.
//!
//! Starts `cpis sandbox serve --rate-limit L --delay-ms D` (the API platform's spike arrest
//! and a network-like latency), then runs `cpis batch` through the optimised binary:
//!
//! 1. N numbers (default 10,000) at `--rate L`: wall time, achieved rate against the limit,
//!    429s provoked, requests per number, peak memory;
//! 2. the first 2,000 of them at `--rate 2L`, deliberately over the limit: how the run
//!    slows down on the 429s and what rate it achieves;
//! 3. peak memory for N and for M rows (default 100,000) against a sandbox with no limit,
//!    to show that memory does not grow with the list.
//!
//! Plans are rare, as in real lists: the numbers come from the sandbox's "no record" block,
//! with the sandbox's plan patients mixed in once each. Every row is verified on PDS first
//! (the sandbox serves it, unlimited), with `--pds-rate` equal to `--rate`.
//!
//! Settings: CPIS_BENCH_ROWS (10000), CPIS_BENCH_RATE (100), CPIS_BENCH_DELAY_MS (50),
//! CPIS_BENCH_CONCURRENCY (16), CPIS_BENCH_BIG_ROWS (100000; 0 skips part 3).

mod common;

use std::process::Command;
use std::time::Duration;

use common::{clean, env_num, Sandbox, BIN};

/// `count` valid numbers: the sandbox's plan patients once each, the rest from its "no
/// record" block (999 010 0000 onwards).
fn numbers(count: usize) -> Vec<String> {
    let plans = ["9990000018", "9990000026", "9990000034", "9990000042"];
    let mut v: Vec<String> = (9_990_100_000u64..)
        .map(|n| n.to_string())
        .filter(|s| cpis::nhs_number::NhsNumber::parse(s).is_ok())
        .take(count.saturating_sub(plans.len()))
        .collect();
    // Early in the list, so that every part of the benchmark meets them.
    for (i, p) in plans.iter().enumerate() {
        v.insert((10 * (i + 1)).min(v.len()), p.to_string());
    }
    v.truncate(count);
    v
}

struct Outcome {
    wall: Duration,
    rss_mib: f64,
    summary: serde_json::Value,
}

fn batch(sb: &Sandbox, list: &[String], rate: u64, concurrency: u64) -> Outcome {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("list.txt");
    std::fs::write(&input, list.join("\n")).unwrap();
    let output = dir.path().join("out.jsonl");
    let mut c = Command::new(BIN);
    clean(&mut c)
        .env("CPIS_ACCESS_TOKEN", "sandbox-token")
        .env("CPIS_DATA_DIR", dir.path())
        .args(["--base-url", &sb.base_url, "--quiet", "batch"])
        .arg(&input)
        .args(["--scheduled", "--no-progress", "--output"])
        .arg(&output)
        .args(["--rate", &rate.to_string()])
        .args(["--concurrency", &concurrency.to_string()]);
    let ran = common::run(&mut c);
    let text = std::fs::read_to_string(&output).unwrap_or_default();
    let summary: serde_json::Value = text
        .lines()
        .last()
        .and_then(|l| serde_json::from_str(l).ok())
        .unwrap_or_default();
    assert_eq!(
        summary["type"],
        "summary",
        "no summary: {}",
        String::from_utf8_lossy(&ran.stderr)
    );
    Outcome {
        wall: ran.wall,
        rss_mib: ran.max_rss_kib.unwrap_or(0) as f64 / 1024.0,
        summary,
    }
}

fn report(label: &str, o: &Outcome, limit: Option<u64>) {
    let s = &o.summary;
    let achieved = s["achieved_rate"].as_f64().unwrap_or(0.0);
    println!("  {label}");
    println!(
        "    wall {:.1} s; {} rows: {} plan, {} no-plan, {} error",
        o.wall.as_secs_f64(),
        s["rows"],
        s["plan"],
        s["no-plan"],
        s["error"]
    );
    println!(
        "    requests {} ({:.3} per number), 429s {}; PDS retrievals {} (its own pacer)",
        s["requests"],
        s["requests_per_number"].as_f64().unwrap_or(0.0),
        s["rate_limited"],
        s["pds_requests"]
    );
    match limit {
        Some(l) => println!(
            "    achieved {achieved:.1} requests/s against a limit of {l}/s ({:.0}%)",
            100.0 * achieved / l as f64
        ),
        None => println!("    achieved {achieved:.1} requests/s (no limit)"),
    }
    println!("    peak RSS {:.1} MiB", o.rss_mib);
}

fn main() {
    let rows = env_num("CPIS_BENCH_ROWS", 10_000) as usize;
    let rate = env_num("CPIS_BENCH_RATE", 100).max(1);
    let delay = env_num("CPIS_BENCH_DELAY_MS", 50);
    let concurrency = env_num("CPIS_BENCH_CONCURRENCY", 16).clamp(1, 64);
    let big = env_num("CPIS_BENCH_BIG_ROWS", 100_000) as usize;

    println!(
        "cpis batch benchmark: sandbox --rate-limit {rate} --delay-ms {delay}, --concurrency {concurrency}"
    );
    let list = numbers(rows.max(big));
    let limited = Sandbox::start(&[
        "--rate-limit",
        &rate.to_string(),
        "--delay-ms",
        &delay.to_string(),
    ]);
    let at_limit = batch(&limited, &list[..rows], rate, concurrency);
    report(
        &format!("1. {rows} numbers at --rate {rate} (the limit)"),
        &at_limit,
        Some(rate),
    );
    let over = rows.min(2_000);
    let double = batch(&limited, &list[..over], rate * 2, concurrency);
    report(
        &format!(
            "2. {over} numbers at --rate {} (twice the limit, on purpose)",
            rate * 2
        ),
        &double,
        Some(rate),
    );
    drop(limited);

    if big > 0 {
        let open = Sandbox::start(&[]);
        let fast = (rate * 20).min(1000);
        let small = batch(&open, &list[..rows], fast, 32);
        let large = batch(&open, &list[..big], fast, 32);
        println!("  3. peak memory, no limit, --rate {fast} --concurrency 32");
        println!(
            "    {rows:>7} rows: {:.1} MiB in {:.1} s",
            small.rss_mib,
            small.wall.as_secs_f64()
        );
        println!(
            "    {big:>7} rows: {:.1} MiB in {:.1} s",
            large.rss_mib,
            large.wall.as_secs_f64()
        );
    }
}
