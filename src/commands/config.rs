//! `cpis config`: show the settings in effect, and get/set/unset profile values.

use serde_json::json;

use crate::cli::ConfigCommand;
use crate::config::{self, Source, Sourced};
use crate::error::{Error, Result};
use crate::render;

fn path(ctx: &super::Ctx) -> Result<std::path::PathBuf> {
    ctx.settings
        .config_path
        .clone()
        .ok_or_else(|| Error::usage("no configuration directory: set CPIS_CONFIG_DIR or HOME"))
}

pub fn run(ctx: &super::Ctx, cmd: ConfigCommand) -> Result<()> {
    let s = &ctx.settings;
    let profile_name = s.profile.value.clone();
    match cmd {
        ConfigCommand::Path => render::print_path(&path(ctx)?)?,
        ConfigCommand::Show { json } => {
            fn row<T: ToString>(v: Option<&Sourced<T>>) -> (String, String) {
                match v {
                    Some(s) => (s.value.to_string(), s.source.to_string()),
                    None => (String::new(), "not set".to_string()),
                }
            }
            // One resolved endpoint: both rows name the same source.
            let env = Sourced {
                value: s.endpoint.label().to_string(),
                source: s.endpoint.source.clone(),
            };
            let base = Sourced {
                value: s
                    .endpoint
                    .base_url
                    .clone()
                    .unwrap_or_else(|| "(embedded sandbox, started per command)".to_string()),
                source: s.endpoint.source.clone(),
            };
            let care = s.care_setting.as_ref().map(|c| Sourced {
                value: c.value.as_str().to_string(),
                source: c.source.clone(),
            });
            let ca = s.ca_bundle.as_ref().map(|c| Sourced {
                value: c.value.display().to_string(),
                source: c.source.clone(),
            });
            let timeout = Sourced {
                value: s.timeout.value.as_secs().to_string(),
                source: s.timeout.source.clone(),
            };
            let token = s.token.as_ref().map(|_| Sourced {
                value: "(set)".to_string(),
                source: Source::EnvVar("CPIS_ACCESS_TOKEN"),
            });
            let rows = [
                ("profile", row(Some(&s.profile))),
                ("env", row(Some(&env))),
                ("base_url", row(Some(&base))),
                ("care_setting", row(care.as_ref())),
                ("ca_bundle", row(ca.as_ref())),
                ("timeout", row(Some(&timeout))),
                ("access_token", row(token.as_ref())),
            ];
            let text = if json {
                let mut m = serde_json::Map::new();
                m.insert(
                    "config_file".into(),
                    json!(s.config_path.as_ref().map(|p| p.display().to_string())),
                );
                for (k, (v, src)) in &rows {
                    m.insert(
                        k.to_string(),
                        json!({"value": if v.is_empty() { None } else { Some(v) }, "source": src}),
                    );
                }
                render::json(&m)
            } else {
                let mut t = render::new_table(&["Setting", "Value", "From"]);
                for (k, (v, src)) in &rows {
                    t.add_row(vec![k.to_string(), v.clone(), src.clone()]);
                }
                format!(
                    "Configuration file: {}\n{t}\n",
                    s.config_path
                        .as_ref()
                        .map_or("(none)".into(), |p| p.display().to_string())
                )
            };
            render::print_stdout(&text)?;
        }
        ConfigCommand::Get { key } => {
            let file = config::load(&path(ctx)?)?;
            let value = file
                .profiles
                .get(&profile_name)
                .and_then(|p| config::get_key(p, key));
            match value {
                Some(v) => render::print_stdout(&format!("{v}\n"))?,
                None => {
                    return Err(Error::usage(format!(
                        "{} is not set in profile {profile_name}",
                        key.name()
                    )));
                }
            }
        }
        ConfigCommand::Set { key, value } => {
            let value = config::check_value(key, &value)?;
            edit(ctx, key, Some(value))?;
            ctx.note(&format!(
                "saved in {} (profile {profile_name})",
                path(ctx)?.display()
            ));
        }
        ConfigCommand::Unset { key } => edit(ctx, key, None)?,
    }
    Ok(())
}

/// Change one key of the profile in place, keeping the rest of the file byte for byte.
fn edit(ctx: &super::Ctx, key: config::ConfigKey, value: Option<toml_edit::Value>) -> Result<()> {
    let p = path(ctx)?;
    let text = config::read_text(&p)?.unwrap_or_default();
    let new = config::set_in_document(&p, &text, &ctx.settings.profile.value, key, value)?;
    if new != text {
        crate::private::write_private(&p, new.as_bytes())?;
    }
    Ok(())
}
