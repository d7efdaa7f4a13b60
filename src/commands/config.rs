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
        ConfigCommand::Path => render::print_stdout(&format!("{}\n", path(ctx)?.display()))?,
        ConfigCommand::Show { json } => {
            fn row<T: ToString>(v: Option<&Sourced<T>>) -> (String, String) {
                match v {
                    Some(s) => (s.value.to_string(), s.source.to_string()),
                    None => (String::new(), "not set".to_string()),
                }
            }
            let env = Sourced {
                value: s.environment_label().to_string(),
                source: s.env.source.clone(),
            };
            let base = match s.endpoint() {
                config::Endpoint::Embedded => Sourced {
                    value: "(embedded sandbox, started per command)".to_string(),
                    source: Source::Default,
                },
                config::Endpoint::Remote { base_url } => Sourced {
                    value: base_url,
                    source: s
                        .base_url
                        .as_ref()
                        .map_or(s.env.source.clone(), |b| b.source.clone()),
                },
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
                    let name = clap::ValueEnum::to_possible_value(&key)
                        .map(|v| v.get_name().to_string())
                        .unwrap_or_default();
                    return Err(Error::usage(format!(
                        "{name} is not set in profile {profile_name}"
                    )));
                }
            }
        }
        ConfigCommand::Set { key, value } => {
            let p = path(ctx)?;
            let mut file = config::load(&p)?;
            let prof = file.profiles.entry(profile_name.clone()).or_default();
            config::set_key(prof, key, &value)?;
            config::save(&p, &file)?;
            ctx.note(&format!(
                "saved in {} (profile {profile_name})",
                p.display()
            ));
        }
        ConfigCommand::Unset { key } => {
            let p = path(ctx)?;
            let mut file = config::load(&p)?;
            if let Some(prof) = file.profiles.get_mut(&profile_name) {
                config::unset_key(prof, key);
                config::save(&p, &file)?;
            }
        }
    }
    Ok(())
}
