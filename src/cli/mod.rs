//! The command line: the clap definition (global flags and the subcommand enum, each
//! command's arguments taken from beside it in `commands`), running it ([`run`]), and what is
//! generated from the definition (completions and man pages: [`generate`], and the
//! `completions` and `man` commands that print or write them, [`docs`]).

mod docs;
pub mod generate;
mod run;

pub use run::run;

use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Parser, Subcommand, ValueEnum};

use crate::config::environment::EnvName;
use crate::config::{ConfigKey, Overrides};

// Each command's arguments live beside it (commands/NAME.rs, `mod args`).
pub use crate::commands::alert::args::{AlertCommand, MissedAppointmentArgs, RetryArgs};
pub use crate::commands::auth::args::{AuthCommand, KeygenArgs, LoginArgs};
use crate::commands::batch::args::BATCH_HELP;
pub use crate::commands::batch::args::{BatchArgs, BatchFormat};
pub use crate::commands::config::args::ConfigCommand;
use crate::commands::doctor::args::DOCTOR_HELP;
pub use crate::commands::formats::{Format, ListFormat};
pub use crate::commands::lookup::args::LookupArgs;
use crate::commands::lookup::args::LOOKUP_HELP;
pub use crate::commands::sandbox::args::{
    AppRegistration, AppRegistrations, PatientsArgs, SandboxCommand, ServeArgs,
};

const ROOT_EXAMPLES: &str = include_str!("../help/root_examples.txt");

fn root_after_long_help() -> String {
    format!(
        "{ROOT_EXAMPLES}\n{}\n{}",
        crate::env::help(),
        crate::error::exit_code_help()
    )
}

/// A command-line client for the NHS Child Protection - Information Sharing service (CP-IS).
#[derive(Debug, Parser)]
#[command(
    name = "cpis",
    version,
    about = "Look up NHS Child Protection - Information Sharing (CP-IS) plans by NHS number",
    long_about = "Look up NHS Child Protection - Information Sharing (CP-IS) plans by NHS number.\n\n\
        Shows child protection, looked-after and unborn-child plans with the responsible local \
        authority's phone numbers, and who has looked at the record before. With nothing \
        configured, every command talks to an embedded sandbox of synthetic patients.",
    after_long_help = root_after_long_help(),
    propagate_version = true,
)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,

    #[command(subcommand)]
    pub command: Command,
}

/// Options that every subcommand understands.
#[derive(Debug, Clone, Default, Args)]
#[command(next_help_heading = "Global options")]
pub struct GlobalArgs {
    /// Environment to talk to [default: local while nothing is configured]
    #[arg(long, global = true, value_enum, value_name = "ENV")]
    pub env: Option<EnvName>,

    /// CP-IS FHIR base URL, overriding the environment's (e.g. https://int.api.service.nhs.uk/cpis/FHIR/R4)
    #[arg(long, global = true, value_name = "URL")]
    pub base_url: Option<String>,

    /// PDS FHIR base URL, for verifying patients [default: the CP-IS base's origin + /personal-demographics/FHIR/R4]
    #[arg(long, global = true, value_name = "URL")]
    pub pds_base_url: Option<String>,

    /// The route to CP-IS: fhir (the CP-IS FHIR API), flags (the Patient Flags API, scheduled care only) or v3 (the HL7 V3 query through the MHS adaptor, unscheduled care only) [default: fhir]
    #[arg(long, global = true, value_enum, value_name = "ROUTE")]
    pub route: Option<crate::config::route::Route>,

    /// Patient Flags FHIR base URL, for --route flags [default: the CP-IS base's origin + /patient-flags-api/FHIR/R4]
    #[arg(long, global = true, value_name = "URL")]
    pub flags_base_url: Option<String>,

    /// The MHS adaptor's outbound endpoint, for --route v3 [default: the profile's mhs_url]
    #[arg(long, global = true, value_name = "URL")]
    pub mhs_url: Option<String>,

    /// Configuration profile to use [default: default]
    #[arg(long, global = true, value_name = "NAME")]
    pub profile: Option<String>,

    /// Extra CA certificates (PEM) to trust, added to the platform's roots
    #[arg(long, global = true, value_name = "PATH")]
    pub ca_bundle: Option<PathBuf>,

    /// Seconds to wait for each request before giving up [default: 30]
    #[arg(long, global = true, value_name = "SECS")]
    pub timeout: Option<u64>,

    /// Print only data and errors: no notes, no retry messages
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,

    /// Log each request on stderr: scheme, host, port and path (never the NHS number), status,
    /// time, trace id
    #[arg(short, long, global = true)]
    pub verbose: bool,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Look up an NHS number on CP-IS: plans, local authority contacts, prior access
    #[command(after_long_help = LOOKUP_HELP)]
    Lookup(LookupArgs),

    /// Check many NHS numbers from a file or stdin: one JSON Lines (or CSV) record per row
    #[command(after_long_help = BATCH_HELP)]
    Batch(BatchArgs),

    /// Sign in, see who cpis acts as, or sign out
    #[command(subcommand)]
    Auth(AuthCommand),

    /// Find out why this machine cannot reach CP-IS: configuration, proxy, DNS, TCP, TLS,
    /// HTTP, clock and credentials
    #[command(after_long_help = DOCTOR_HELP)]
    Doctor {
        /// Print one JSON document, safe to attach to a support ticket (no token, secret or
        /// NHS number); shorthand for --format json
        #[arg(long, conflicts_with = "format")]
        json: bool,

        /// Output format
        #[arg(long, value_enum, default_value_t = ListFormat::Table)]
        format: ListFormat,

        /// Also make one scheduled (silent: nothing recorded, no one notified) lookup of this
        /// NHS number end to end, with the time of each phase
        #[arg(long, value_name = "NHS_NUMBER")]
        query: Option<String>,

        /// Print the requests doctor would make as curl commands (secrets as shell variables)
        /// and send nothing
        #[arg(long, conflicts_with_all = ["json", "format", "query"])]
        curl: bool,
    },

    /// Alert the responsible local authority when a child on a plan misses an appointment;
    /// list and resend alerts
    #[command(subcommand)]
    Alert(AlertCommand),

    /// Run the embedded CP-IS sandbox, or list its synthetic patients
    #[command(subcommand)]
    Sandbox(SandboxCommand),

    /// Show or change configuration (profiles in config.toml)
    #[command(subcommand)]
    Config(ConfigCommand),

    /// Print a shell completion script
    #[command(after_long_help = COMPLETIONS_HELP)]
    Completions {
        /// The shell to complete for
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },

    /// Print the man page, or write every page into a directory
    #[command(after_long_help = MAN_HELP)]
    Man {
        /// Write cpis.1 and one page per subcommand (cpis-lookup.1, ...) into this existing
        /// directory, instead of printing cpis.1
        #[arg(value_name = "DIR")]
        dir: Option<PathBuf>,
    },
}

const COMPLETIONS_HELP: &str = include_str!("../help/completions_help.txt");

const MAN_HELP: &str = include_str!("../help/man_help.txt");

// The domain values live below this layer; clap learns their names here.
impl ValueEnum for EnvName {
    fn value_variants<'a>() -> &'a [Self] {
        &EnvName::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()).help(self.describe()))
    }
}

impl ValueEnum for crate::config::route::Route {
    fn value_variants<'a>() -> &'a [Self] {
        &crate::config::route::Route::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.as_str()).help(self.describe()))
    }
}

impl ValueEnum for ConfigKey {
    fn value_variants<'a>() -> &'a [Self] {
        &ConfigKey::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()).help(self.describe()))
    }
}

impl GlobalArgs {
    /// What the command line says, for `config::resolve`.
    pub fn overrides(&self) -> Overrides {
        Overrides {
            env: self.env,
            base_url: self.base_url.clone(),
            profile: self.profile.clone(),
            ca_bundle: self.ca_bundle.clone(),
            timeout: self.timeout,
            pds_base_url: self.pds_base_url.clone(),
            route: self.route,
            flags_base_url: self.flags_base_url.clone(),
            mhs_url: self.mhs_url.clone(),
            quiet: self.quiet,
            verbose: self.verbose,
        }
    }
}

/// The clap command, for completions, man pages and tests.
pub fn command() -> clap::Command {
    <Cli as clap::CommandFactory>::command()
}

#[cfg(test)]
mod tests {
    #[test]
    fn clap_definition_is_consistent() {
        super::command().debug_assert();
    }
}
