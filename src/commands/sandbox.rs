//! `cpis sandbox serve` and `cpis sandbox patients`: the arguments, `app::embedded`, and what
//! is printed.

use std::time::Duration;

use crate::app::embedded;
use crate::commands::formats::Format;
use crate::error::Result;
use crate::render;
use crate::sandbox;
use args::{PatientsArgs, ServeArgs};

pub async fn serve(ctx: &crate::app::Ctx, args: ServeArgs) -> Result<()> {
    embedded::refuse_remote(args.addr, args.allow_remote)?;
    let registrations: Vec<embedded::Registration> = args
        .apps
        .0
        .iter()
        .map(|r| embedded::Registration {
            api_key: &r.api_key,
            jwks: &r.jwks,
            nominated_person: r.nominated_person.as_deref(),
            nominated_role: r.nominated_role.as_deref(),
        })
        .collect();
    let apps = embedded::registered_apps(&registrations)?;
    // Before anything is created: a stop signal from now on ends the server cleanly, and the
    // temporary directory is removed on the way out.
    let stop = crate::app::signals::stop_signal()?;
    let embedded::Tls {
        ca_path,
        temp_dir,
        config: tls,
    } = embedded::tls(args.tls, args.tls_dir.as_deref(), args.tls_fault)?;
    let running = sandbox::start(
        args.addr,
        sandbox::Options {
            delay: Duration::from_millis(args.delay_ms),
            clock_offset_secs: args.clock_offset_secs,
            tls,
            require_auth: args.require_auth,
            apps,
            rate_limit: args.rate_limit,
            alert_fault: args.alert_fault,
            token_uses: args.token_uses,
            flags_ignore_code: args.flags_ignore_code,
        },
    )
    .await?;

    // Machine-readable lines first, on stdout; flushed so a parent process can read them.
    crate::ui::print_stdout(&render::sandbox::listening(
        &running.base_url,
        ca_path.as_deref(),
    ))?;
    if !args.addr.ip().is_loopback() {
        ctx.note("listening beyond loopback: anyone who can reach this address can use the sandbox (synthetic data only)");
    }
    if !ctx.settings.quiet {
        crate::ui::message(&render::sandbox::welcome(&render::sandbox::Welcome {
            base_url: &running.base_url,
            origin: running
                .base_url
                .trim_end_matches(sandbox::cpis_fhir::BASE_PATH),
            ca_path: ca_path.as_deref(),
            require_auth: args.require_auth,
            cis2_client_secret: sandbox::app::CIS2_CLIENT_SECRET,
            client_secret: sandbox::app::CLIENT_SECRET,
            cis2_issuer_path: sandbox::app::CIS2_ISSUER_PATH,
            cis2_client_id: sandbox::app::CIS2_CLIENT_ID,
            api_key: sandbox::app::API_KEY,
            kid: sandbox::app::KID,
        }));
    }
    stop.await;
    // Stop accepting, then remove the temporary directory (if any) with the CA in it. A CA
    // written to --tls-dir stays: that directory is the user's.
    drop(running);
    drop(temp_dir);
    Ok(())
}

pub fn patients(args: PatientsArgs) -> Result<()> {
    let list = sandbox::patients::PATIENTS;
    let format = if args.json { Format::Json } else { args.format };
    let text = match format {
        Format::Json => render::json(&embedded::patients_json()),
        Format::Csv => render::sandbox::patients_csv(
            &list
                .iter()
                .map(|p| render::sandbox::Listed {
                    nhs_number: p.nhs_number,
                    name: p.name,
                    behaviour: serde_json::to_value(p.behaviour)
                        .ok()
                        .and_then(|v| v.as_str().map(str::to_string))
                        .unwrap_or_default(),
                    shows: p.shows,
                })
                .collect::<Vec<_>>(),
        ),
        Format::Table => render::sandbox::patients_table(
            &list
                .iter()
                .map(|p| (p.nhs_number, p.name, p.shows))
                .collect::<Vec<_>>(),
            &sandbox::pds::CASES
                .iter()
                .map(|r| (r.nhs_number, r.shows))
                .collect::<Vec<_>>(),
            &crate::ui::stdout_terminal(),
        ),
    };
    Ok(crate::ui::print_stdout(&text)?)
}

/// The command line of `cpis sandbox`, beside the command (the root command line in `cli`
/// re-exports it).
pub mod args {
    use std::path::PathBuf;

    use clap::{Args, Subcommand};

    use crate::commands::formats::*;

    #[derive(Debug, Subcommand)]
    pub enum SandboxCommand {
        /// Serve the sandbox over HTTP (or HTTPS with --tls) until interrupted
        #[command(after_long_help = SERVE_HELP)]
        Serve(ServeArgs),

        /// List the sandbox's synthetic patients and what each one shows
        Patients(PatientsArgs),
    }

    pub(crate) const SERVE_HELP: &str = include_str!("../help/serve_help.txt");

    #[derive(Debug, Clone, Args)]
    pub struct ServeArgs {
        /// Address to listen on (port 0 picks a free port); loopback only unless --allow-remote
        #[arg(long, default_value = "127.0.0.1:8790", value_name = "IP:PORT")]
        pub addr: std::net::SocketAddr,

        /// Allow listening on a non-loopback address: anyone who can reach it can use the sandbox (synthetic data only)
        #[arg(long)]
        pub allow_remote: bool,

        /// Serve HTTPS with a fresh self-signed CA; its certificate is written for --ca-bundle
        #[arg(long)]
        pub tls: bool,

        /// Serve a deliberately wrong certificate with --tls, to see what clients say
        #[arg(long, value_enum, value_name = "FAULT", requires = "tls")]
        pub tls_fault: Option<crate::sandbox::tls::Fault>,

        /// Directory for the CA certificate with --tls, private to you [default: a fresh private temporary directory, removed on exit]
        #[arg(long, value_name = "DIR", requires = "tls")]
        pub tls_dir: Option<PathBuf>,

        /// Extra latency added to every response, in milliseconds (for benchmarks)
        #[arg(long, value_name = "MS", default_value_t = 0)]
        pub delay_ms: u64,

        /// Seconds to add to the Date of every response (negative: behind), to show clock skew
        #[arg(
            long,
            value_name = "SECS",
            default_value_t = 0,
            allow_negative_numbers = true
        )]
        pub clock_offset_secs: i64,

        /// Answer CP-IS searches beyond N in any one-second window with the API platform's 429 (spike arrest, Retry-After: 1)
        #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(1..))]
        pub rate_limit: Option<u32>,

        /// Missed-appointment alerts: meet the first attempt of each alert with this fault (a retry with the same identifier is answered normally)
        #[arg(long, value_enum, value_name = "FAULT")]
        pub alert_fault: Option<crate::sandbox::alerts::AlertFault>,

        /// Make the CP-IS searches demand `Authorization: Bearer TOKEN` with a token issued by a cpis sandbox's /oauth2/token (401 otherwise)
        #[arg(long)]
        pub require_auth: bool,

        /// With --require-auth: accept each access token for N CP-IS searches, then refuse it with 401 as an expired token (to see clients renew mid-run)
        #[arg(long, value_name = "N", requires = "require_auth", value_parser = clap::value_parser!(u32).range(1..))]
        pub token_uses: Option<u32>,

        /// Patient Flags: ignore the search's `code` and answer every flag the patient has (999 000 0026 also has reasonable-adjustment and FGM flags), as a service that ignores `code` would
        #[arg(long)]
        pub flags_ignore_code: bool,

        #[command(flatten)]
        pub apps: AppRegistrations,
    }

    /// One `--register-app KEY --jwks FILE [--nominated-person NAME --nominated-role ROLE]`.
    #[derive(Debug, Clone, PartialEq, Eq)]
    pub struct AppRegistration {
        pub api_key: String,
        pub jwks: PathBuf,
        pub nominated_person: Option<String>,
        pub nominated_role: Option<String>,
    }

    /// The applications registered with `cpis sandbox serve`, in command-line order. Each
    /// `--jwks`, `--nominated-person` and `--nominated-role` belongs to the `--register-app` before
    /// it, so this is parsed from the positions of the flags rather than derived.
    #[derive(Debug, Clone, Default, PartialEq, Eq)]
    pub struct AppRegistrations(pub Vec<AppRegistration>);

    const REGISTER_APP: &str = "register_app";
    const JWKS: &str = "jwks";
    const NOMINATED_PERSON: &str = "nominated_person";
    const NOMINATED_ROLE: &str = "nominated_role";

    impl clap::FromArgMatches for AppRegistrations {
        fn from_arg_matches(m: &clap::ArgMatches) -> Result<Self, clap::Error> {
            fn positioned<T: Clone + Send + Sync + 'static>(
                m: &clap::ArgMatches,
                id: &str,
            ) -> Vec<(usize, T)> {
                match (m.get_many::<T>(id), m.indices_of(id)) {
                    (Some(values), Some(indices)) => indices.zip(values.cloned()).collect(),
                    _ => Vec::new(),
                }
            }
            let err = |msg: String| clap::Error::raw(clap::error::ErrorKind::ArgumentConflict, msg);
            let apps: Vec<(usize, String)> = positioned(m, REGISTER_APP);
            let mut out: Vec<AppRegistration> = apps
                .iter()
                .map(|(_, key)| AppRegistration {
                    api_key: key.clone(),
                    jwks: PathBuf::new(),
                    nominated_person: None,
                    nominated_role: None,
                })
                .collect();
            // The --register-app a flag at `index` belongs to: the last one before it.
            let owner = |flag: &str, index: usize| -> Result<usize, clap::Error> {
                apps.iter().rposition(|(i, _)| *i < index).ok_or_else(|| {
                    err(format!(
                        "--{flag} must follow the --register-app it belongs to\n"
                    ))
                })
            };
            let mut seen_jwks = vec![false; out.len()];
            for (index, path) in positioned::<PathBuf>(m, JWKS) {
                let app = owner("jwks", index)?;
                if std::mem::replace(&mut seen_jwks[app], true) {
                    return Err(err(format!(
                        "--register-app {} has more than one --jwks\n",
                        out[app].api_key
                    )));
                }
                out[app].jwks = path;
            }
            for (flag, id) in [
                ("nominated-person", NOMINATED_PERSON),
                ("nominated-role", NOMINATED_ROLE),
            ] {
                for (index, value) in positioned::<String>(m, id) {
                    let app = owner(flag, index)?;
                    let slot = if id == NOMINATED_PERSON {
                        &mut out[app].nominated_person
                    } else {
                        &mut out[app].nominated_role
                    };
                    if slot.replace(value).is_some() {
                        return Err(err(format!(
                            "--register-app {} has more than one --{flag}\n",
                            out[app].api_key
                        )));
                    }
                }
            }
            for (app, has_jwks) in out.iter().zip(&seen_jwks) {
                if !has_jwks {
                    return Err(err(format!(
                        "--register-app {} needs --jwks FILE (its public keys) after it\n",
                        app.api_key
                    )));
                }
                if app.nominated_person.is_some() != app.nominated_role.is_some() {
                    return Err(err(format!(
                    "--register-app {}: give both --nominated-person and --nominated-role, or neither\n",
                    app.api_key
                )));
                }
            }
            Ok(AppRegistrations(out))
        }

        fn update_from_arg_matches(&mut self, m: &clap::ArgMatches) -> Result<(), clap::Error> {
            *self = Self::from_arg_matches(m)?;
            Ok(())
        }
    }

    impl Args for AppRegistrations {
        fn augment_args(cmd: clap::Command) -> clap::Command {
            use clap::{Arg, ArgAction, ValueHint};
            cmd.arg(
            Arg::new(REGISTER_APP)
                .long("register-app")
                .value_name("API_KEY")
                .action(ArgAction::Append)
                .help("Register another application with the sandbox's /oauth2/token, by its API key (repeatable; each needs --jwks after it)"),
        )
        .arg(
            Arg::new(JWKS)
                .long("jwks")
                .value_name("FILE")
                .action(ArgAction::Append)
                .value_parser(clap::value_parser!(PathBuf))
                .value_hint(ValueHint::FilePath)
                .requires(REGISTER_APP)
                .help("The public keys (JWKS JSON, {\"keys\": [...]}) the preceding --register-app signs client assertions with"),
        )
        .arg(
            Arg::new(NOMINATED_PERSON)
                .long("nominated-person")
                .value_name("NAME")
                .action(ArgAction::Append)
                .requires(REGISTER_APP)
                .help("The person the preceding --register-app acts for, as accesses name it [default: Nominated PERSON]"),
        )
        .arg(
            Arg::new(NOMINATED_ROLE)
                .long("nominated-role")
                .value_name("ROLE")
                .action(ArgAction::Append)
                .requires(REGISTER_APP)
                .help("The job role of the preceding --register-app's nominated person [default: Nominated person for CP-IS queries]"),
        )
        }

        fn augment_args_for_update(cmd: clap::Command) -> clap::Command {
            Self::augment_args(cmd)
        }
    }

    #[derive(Debug, Clone, Args)]
    pub struct PatientsArgs {
        /// Output format
        #[arg(long, value_enum, default_value_t = Format::Table)]
        pub format: Format,

        /// Shorthand for --format json
        #[arg(long, conflicts_with = "format")]
        pub json: bool,
    }
}
