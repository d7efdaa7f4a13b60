//! A child process's own peak memory, for the memory tests and the benchmarks.
//!
//! `wait4`'s `ru_maxrss` is no good for this: Linux carries a process's peak across `exec`, and
//! a child spawned with `posix_spawn` (`CLONE_VM`) counts the memory of the process that
//! spawned it, so a test or benchmark holding a large list would be measured, not `cpis`.
//! `VmHWM` in `/proc/PID/status` is the peak of the child's own memory map since its `exec`.

use std::process::Child;
use std::thread::JoinHandle;
use std::time::Duration;

/// Watch `child` until it has exited (it stays a zombie until it is waited for, so wait for it
/// only after joining): the handle's value is its peak resident memory in KiB, `None` when
/// `/proc` does not show it.
pub fn watch(child: &Child) -> JoinHandle<Option<i64>> {
    let path = format!("/proc/{}/status", child.id());
    std::thread::spawn(move || {
        let mut peak = None;
        loop {
            // A zombie's status has no Vm lines: the child has exited.
            let hwm = std::fs::read_to_string(&path).ok().and_then(|s| {
                s.lines()
                    .find_map(|l| l.strip_prefix("VmHWM:"))
                    .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<i64>().ok())
            });
            match hwm {
                Some(kib) => peak = Some(kib),
                None => return peak,
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    })
}
