//! What the benchmarks share: the binary, a clean environment, a sandbox process, timing.

#![allow(dead_code)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[cfg(target_os = "linux")]
#[path = "../cli/peak.rs"]
mod peak;

pub const BIN: &str = env!("CARGO_BIN_EXE_cpis");

pub fn env_num(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

pub fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

/// A command with none of the user's cpis settings, proxies or extra CAs: every variable of
/// `cpis::env::VARS` removed.
pub fn clean(c: &mut Command) -> &mut Command {
    for v in cpis::env::VARS {
        c.env_remove(v.name);
    }
    c.env(
        "CPIS_CONFIG_DIR",
        std::env::temp_dir().join("cpis-bench-config"),
    )
    .stdin(Stdio::null())
}

/// `cpis sandbox serve` on a free port, with `args`; killed when dropped.
pub struct Sandbox {
    child: Child,
    pub base_url: String,
    pub host_port: String,
    pub ca_bundle: Option<String>,
}

impl Sandbox {
    pub fn start(args: &[&str]) -> Self {
        let mut c = Command::new(BIN);
        clean(&mut c)
            .args(["sandbox", "serve", "--addr", "127.0.0.1:0", "--quiet"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null());
        let mut child = c.spawn().expect("start the sandbox");
        let mut out = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let base_url = line.trim().strip_prefix("base_url: ").unwrap().to_string();
        let mut ca_bundle = None;
        if args.contains(&"--tls") {
            line.clear();
            out.read_line(&mut line).unwrap();
            ca_bundle = line.trim().strip_prefix("ca_bundle: ").map(str::to_string);
        }
        let host_port = base_url
            .split("://")
            .nth(1)
            .unwrap()
            .split('/')
            .next()
            .unwrap()
            .to_string();
        Sandbox {
            child,
            base_url,
            host_port,
            ca_bundle,
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// What one run of a child process cost.
pub struct Ran {
    pub wall: Duration,
    /// Peak resident set of that process alone, in KiB (Linux), when known.
    pub max_rss_kib: Option<i64>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub success: bool,
}

/// Run `c` to the end, timing it and reading its own peak memory (`VmHWM` of its own memory
/// map, so neither this process nor other children such as a sandbox count: see `peak`).
pub fn run(c: &mut Command) -> Ran {
    use std::io::Read;
    let start = Instant::now();
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run");
    #[cfg(target_os = "linux")]
    let watch = peak::watch(&child);
    let mut out = child.stdout.take().unwrap();
    let mut err = child.stderr.take().unwrap();
    let e = std::thread::spawn(move || {
        let mut b = Vec::new();
        let _ = err.read_to_end(&mut b);
        b
    });
    let mut stdout = Vec::new();
    let _ = out.read_to_end(&mut stdout);
    let stderr = e.join().unwrap();
    #[cfg(target_os = "linux")]
    let max_rss_kib = watch.join().unwrap();
    #[cfg(not(target_os = "linux"))]
    let max_rss_kib = None;
    let success = child.wait().map(|s| s.success()).unwrap_or(false);
    Ran {
        wall: start.elapsed(),
        max_rss_kib,
        stdout,
        stderr,
        success,
    }
}
