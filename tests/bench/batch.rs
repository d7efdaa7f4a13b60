//! Batch benchmark: `cargo bench --bench batch`.
//!
//! Starts `cpis sandbox serve --rate-limit L --delay-ms D` (the API platform's spike arrest
//! and a network-like latency), then runs `cpis batch` through the optimised binary:
//!
//! 1. N numbers (default 10,000) at `--rate L`: wall time, achieved rate against the limit,
//!    429s provoked, requests per number, peak memory;
//! 2. the first 2,000 of them at `--rate 2L`, deliberately over the limit: how the run
//!    slows down on the 429s and what rate it achieves;
//! 3. scale: 10,000, 100,000 and 1,000,000 rows against a sandbox with no limit at a high
//!    `--rate`, with `--no-pds` and with PDS: rows/s, requests/s against `--rate`, peak memory;
//!    then a resume of the largest (completed) run, which reads, validates and skips every
//!    row: an upper bound on how long any resume takes to start sending. The goals: peak RSS
//!    for the largest ≤ 1.2 × that for 100,000 rows and under 64 MiB, and ≥ 95 % of `--rate`.
//!    The "no record" block holds 900,000 valid numbers: a longer list repeats them
//!    (duplicates, which are records but no requests).
//!
//! Plans are rare, as in real lists: the numbers come from the sandbox's "no record" block,
//! with the sandbox's plan patients mixed in once each. Every row is verified on PDS first
//! (the sandbox serves it, unlimited), with `--pds-rate` equal to `--rate`.
//!
//! Settings: CPIS_BENCH_ROWS (10000), CPIS_BENCH_RATE (100), CPIS_BENCH_DELAY_MS (50),
//! CPIS_BENCH_CONCURRENCY (16), CPIS_BENCH_SCALE ("10000,100000,1000000"; empty skips part 3),
//! CPIS_BENCH_SCALE_RATE (1000), CPIS_BENCH_SKIP_LIMITED (0; 1 skips parts 1 and 2),
//! CPIS_BENCH_OVER_ROWS (2000: the rows of part 2).

mod common;

use std::process::Command;
use std::time::Duration;

use common::{clean, env_num, Sandbox, BIN};

/// `count` valid numbers: the sandbox's plan patients once each, the rest from its "no
/// record" block (999 010 0000 onwards), repeated from the start when it runs out.
fn numbers(count: usize) -> Vec<String> {
    let plans = ["9990000018", "9990000026", "9990000034", "9990000042"];
    let block: Vec<String> = (cpis::sandbox::patients::NO_RECORD_FIRST
        ..=cpis::sandbox::patients::NO_RECORD_LAST)
        .map(|n| n.to_string())
        .filter(|s| cpis::nhs_number::NhsNumber::parse(s).is_ok())
        .take(count.saturating_sub(plans.len()))
        .collect();
    let mut v: Vec<String> = block
        .iter()
        .cycle()
        .take(count.saturating_sub(plans.len()))
        .cloned()
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
    batch_with(sb, list, rate, concurrency, &[], None).0
}

/// One run; with `keep`, in that directory (kept for a resume) rather than a new one.
fn batch_with(
    sb: &Sandbox,
    list: &[String],
    rate: u64,
    concurrency: u64,
    extra: &[&str],
    keep: Option<tempfile::TempDir>,
) -> (Outcome, tempfile::TempDir) {
    // The data directory must be one only we can access.
    let dir = keep.unwrap_or_else(|| {
        let d = tempfile::tempdir().unwrap();
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
        }
        d
    });
    let input = dir.path().join("list.txt");
    if !input.exists() {
        std::fs::write(&input, list.join("\n")).unwrap();
    }
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
        .args(["--concurrency", &concurrency.to_string()])
        .args(extra);
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
    (
        Outcome {
            wall: ran.wall,
            rss_mib: ran.max_rss_kib.unwrap_or(0) as f64 / 1024.0,
            summary,
        },
        dir,
    )
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
    let scale: Vec<usize> = std::env::var("CPIS_BENCH_SCALE")
        .unwrap_or_else(|_| "10000,100000,1000000".into())
        .split(',')
        .filter_map(|n| n.trim().parse().ok())
        .collect();
    let scale_rate = env_num("CPIS_BENCH_SCALE_RATE", 1000).clamp(1, 1000);
    let skip_limited = env_num("CPIS_BENCH_SKIP_LIMITED", 0) == 1;
    let over = env_num("CPIS_BENCH_OVER_ROWS", 2_000) as usize;

    println!(
        "cpis batch benchmark: sandbox --rate-limit {rate} --delay-ms {delay}, --concurrency {concurrency}"
    );
    let most = scale.iter().copied().max().unwrap_or(0);
    let list = numbers(rows.max(most).max(over));
    if !skip_limited {
        limited(&list, rows, over, rate, delay, concurrency);
    }
    if scale.is_empty() {
        return;
    }
    let open = Sandbox::start(&[]);
    println!("  3. scale, no limit, --rate {scale_rate} --concurrency 32 (--pds-rate the same)");
    println!(
        "    {:>9} {:>9} {:>10} {:>10} {:>8} {:>9} {:>9}",
        "rows", "PDS", "wall s", "rows/s", "req/s", "of rate", "peak MiB"
    );
    let mut goals = Vec::new();
    for pds in [false, true] {
        let mut rss = Vec::new();
        for &n in &scale {
            let extra: &[&str] = if pds { &[] } else { &["--no-pds"] };
            let (o, dir) = batch_with(&open, &list[..n], scale_rate, 32, extra, None);
            let s = &o.summary;
            let secs = o.wall.as_secs_f64();
            let achieved = s["achieved_rate"].as_f64().unwrap_or(0.0);
            println!(
                "    {n:>9} {:>9} {secs:>10.1} {:>10.1} {achieved:>8.1} {:>8.1}% {:>9.1}",
                if pds { "on" } else { "--no-pds" },
                n as f64 / secs,
                100.0 * achieved / scale_rate as f64,
                o.rss_mib
            );
            rss.push((n, o.rss_mib));
            if n == most {
                goals.push((pds, achieved / scale_rate as f64));
                // The same command again: every row is done, so it reads, validates and
                // skips them all (and reads the whole output) and sends nothing.
                let (r, _) = batch_with(&open, &list[..n], scale_rate, 32, extra, Some(dir));
                println!(
                    "    {n:>9} {:>9} resume of the completed run: {:.1} s, {:.1} MiB, {} requests",
                    if pds { "on" } else { "--no-pds" },
                    r.wall.as_secs_f64(),
                    r.rss_mib,
                    r.summary["requests"]
                );
            }
        }
        let at = |rows: usize| rss.iter().find(|(n, _)| *n == rows).map(|(_, m)| *m);
        if let (Some(big), Some(hundred)) = (at(most), at(100_000)) {
            println!(
                "    goal ({}): peak RSS {most} rows / 100000 rows = {:.2} (≤ 1.2), {big:.1} MiB (< 64)",
                if pds { "PDS" } else { "--no-pds" },
                big / hundred
            );
        }
    }
    for (pds, frac) in goals {
        println!(
            "    goal ({}): {:.1}% of --rate (≥ 95%)",
            if pds { "PDS" } else { "--no-pds" },
            100.0 * frac
        );
    }
}

/// Parts 1 and 2: against the spike arrest.
fn limited(list: &[String], rows: usize, over: usize, rate: u64, delay: u64, concurrency: u64) {
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
}
