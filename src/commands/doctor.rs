//! `cpis doctor [--json]`: configuration, proxy, DNS, TCP, TLS, HTTP, clock and credentials,
//! one line each with a fix under anything not ok.

use crate::app::doctor;
use crate::error::Result;
use crate::render;

pub async fn run(ctx: &crate::app::Ctx, json: bool, query: Option<&str>) -> Result<()> {
    // A bad number is refused before anything is checked or sent.
    let query = query
        .map(|q| crate::app::input::parse_number_for(&[q.to_string()], false, false))
        .transpose()?;
    let report = doctor::report(ctx, query.as_ref()).await;
    let text = if json {
        render::json(&report)
    } else {
        render::doctor::text(
            &report,
            crate::ui::colour_enabled() && crate::ui::unicode_marks(),
        )
    };
    crate::ui::print_stdout(&text)?;
    doctor::outcome(&report)
}

/// `doctor --curl`: the requests doctor makes, as curl commands; nothing is sent.
pub async fn curl(ctx: &crate::app::Ctx) -> Result<()> {
    let out = doctor::curl(ctx).await?;
    Ok(crate::ui::print_stdout(&out)?)
}

/// The command line of `cpis doctor`, beside the command (the root command line in `cli`
/// re-exports it).
pub mod args {

    pub(crate) const DOCTOR_HELP: &str = include_str!("../help/doctor_help.txt");
}
