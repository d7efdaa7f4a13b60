//! `cpis doctor`: the report for people (`--json` is the report itself). Pure.

use crate::doctor::{Report, Status};

/// One line per check (with its fix under anything not ok), `✓ ! ✗ -` on a terminal and
/// `ok !! XX --` otherwise.
pub fn text(r: &Report, fancy: bool) -> String {
    let mut out = format!(
        "cpis {} doctor: environment {} ({})\n",
        r.version,
        r.environment,
        r.base_url.as_deref().unwrap_or("embedded sandbox")
    );
    for c in &r.checks {
        let mark = match (c.status, fancy) {
            (Status::Ok, true) => "\u{2713}",
            (Status::Warn, true) => "!",
            (Status::Fail, true) => "\u{2717}",
            (Status::Skip, true) => "-",
            (Status::Ok, false) => "ok",
            (Status::Warn, false) => "!!",
            (Status::Fail, false) => "XX",
            (Status::Skip, false) => "--",
        };
        out.push_str(&format!(
            "{mark:<2} {:<12} {} ({} ms)\n",
            c.name,
            crate::sanitize::sanitize(&c.detail),
            c.duration_ms
        ));
        if let (Some(fix), true) = (&c.fix, c.status != Status::Ok) {
            out.push_str(&format!("   {:<12} fix: {fix}\n", ""));
        }
    }
    out
}
