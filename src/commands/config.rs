//! `cpis config`: show the settings in effect, and get/set/unset profile values.

use crate::config;
use crate::error::{Error, Result};
use crate::render;
use args::ConfigCommand;

fn path(ctx: &crate::app::Ctx) -> Result<std::path::PathBuf> {
    ctx.settings
        .config_path
        .clone()
        .ok_or_else(|| Error::usage("no configuration directory: set CPIS_CONFIG_DIR or HOME"))
}

pub fn run(ctx: &crate::app::Ctx, cmd: ConfigCommand) -> Result<()> {
    let s = &ctx.settings;
    let profile_name = s.profile.value.clone();
    match cmd {
        ConfigCommand::Path => crate::ui::print_path(&path(ctx)?)?,
        ConfigCommand::Show { json, format } => crate::ui::print_stdout(&show(
            s,
            json || format == crate::commands::formats::ListFormat::Json,
        ))?,
        ConfigCommand::Get { key } => {
            let file = config::load(&path(ctx)?)?;
            let value = file
                .profiles
                .get(&profile_name)
                .and_then(|p| config::get_key(p, key));
            match value {
                Some(v) => crate::ui::print_stdout(&format!("{v}\n"))?,
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
fn edit(
    ctx: &crate::app::Ctx,
    key: config::ConfigKey,
    value: Option<toml_edit::Value>,
) -> Result<()> {
    let p = path(ctx)?;
    let text = config::read_text(&p)?.unwrap_or_default();
    let new = config::set_in_document(&p, &text, &ctx.settings.profile.value, key, value)?;
    if new != text {
        crate::private::write_config(&p, new.as_bytes())?;
    }
    Ok(())
}

/// Every setting in effect, each with its source: a table, or JSON.
fn show(s: &crate::config::Settings, json: bool) -> String {
    let rows = render::config::rows(s);
    if json {
        render::config::json(s, &rows)
    } else {
        render::config::table(s, &rows, &crate::ui::stdout_terminal())
    }
}

/// The command line of `cpis config`, beside the command (the root command line in `cli`
/// re-exports it).
pub mod args {

    use clap::Subcommand;

    use crate::commands::formats::*;
    use crate::config::ConfigKey;

    #[derive(Debug, Subcommand)]
    pub enum ConfigCommand {
        /// Show the settings in effect and where each comes from
        Show {
            /// Shorthand for --format json
            #[arg(long, conflicts_with = "format")]
            json: bool,

            /// Output format
            #[arg(long, value_enum, default_value_t = ListFormat::Table)]
            format: ListFormat,
        },
        /// Print one value from the profile
        Get {
            #[arg(value_enum)]
            key: ConfigKey,
        },
        /// Set a value in the profile
        #[command(
            after_long_help = "Examples:\n  cpis config set env int\n  cpis config set care_setting scheduled\n  cpis --profile ward config set base_url https://int.api.service.nhs.uk/cpis/FHIR/R4\n"
        )]
        Set {
            #[arg(value_enum)]
            key: ConfigKey,
            value: String,
        },
        /// Remove a value from the profile
        Unset {
            #[arg(value_enum)]
            key: ConfigKey,
        },
        /// Print the path of the configuration file
        Path,
    }
}
