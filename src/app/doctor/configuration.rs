//! The configuration check: the settings in effect and where they came from.

use crate::doctor::{redact_proxy, Check};

use crate::app::Ctx;

pub(super) fn configuration(ctx: &Ctx) -> Check {
    let s = &ctx.settings;
    let vars: Vec<String> = crate::env::VARS
        .iter()
        .filter_map(|v| Some((v, std::env::var_os(v.name)?)))
        .map(|(v, value)| {
            let value = value.to_string_lossy();
            match v.shown {
                crate::env::Shown::Secret => format!("{}=(set, not shown)", v.name),
                crate::env::Shown::Proxy => format!("{}={}", v.name, redact_proxy(&value)),
                crate::env::Shown::Value => {
                    format!("{}={}", v.name, crate::sanitize::sanitize(&value))
                }
            }
        })
        .collect();
    Check::ok(
        "config",
        format!(
            "cpis {} on {}; config {}; profile {}; environment {} from {}; {}",
            env!("CARGO_PKG_VERSION"),
            std::env::consts::OS,
            s.config_path
                .as_ref()
                .map_or("(none)".into(), |p| p.display().to_string()),
            s.profile.value,
            s.endpoint.label(),
            s.endpoint.source,
            if vars.is_empty() {
                "no relevant environment variables".to_string()
            } else {
                vars.join(", ")
            }
        ),
    )
}
