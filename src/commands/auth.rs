//! `cpis auth login | status | logout | keygen | token | assertion`: the arguments, the
//! terminal (secrets read from standard input, the environment or a hidden prompt; the
//! browser), and the workflows of `app::signin`.

use std::io::{IsTerminal, Read};

use crate::app::auth::endpoint_text;
use crate::app::signin::{self, Given, Person, Wanted};
use crate::auth;
use crate::error::{Error, Kind, Result};
use crate::render;
use crate::secret::Secret;
use args::{AuthCommand, LoginArgs};

pub async fn run(ctx: &crate::app::Ctx, cmd: AuthCommand) -> Result<()> {
    match cmd {
        AuthCommand::Login(args) if args.system => {
            signin::system::sign_in(ctx, &given(&args)).await
        }
        AuthCommand::Login(args) if args.user => {
            let terminal = Terminal { ctx, args: &args };
            signin::user::sign_in(ctx, &given(&args), &terminal).await
        }
        AuthCommand::Login(args) if args.combined => {
            let terminal = Terminal { ctx, args: &args };
            signin::combined::sign_in(ctx, &given(&args), &terminal).await
        }
        AuthCommand::Login(_) => signin::with_token(ctx, &read_token_from_stdin()?),
        AuthCommand::Status { json, format } => status(
            ctx,
            json || format == crate::commands::formats::ListFormat::Json,
        ),
        AuthCommand::Logout => signin::logout(ctx),
        AuthCommand::Keygen(args) => {
            let made = signin::keygen::make(ctx, &args.kid, &args.out)?;
            crate::ui::message(&render::auth::keygen_next(
                &made.pem,
                &made.jwks,
                args.kid.trim(),
            ));
            Ok(())
        }
        AuthCommand::Token { yes } => print_token(ctx, yes).await,
        AuthCommand::Assertion { yes } => print_assertion(ctx, yes),
    }
}

/// What the command line gave a sign-in.
fn given(args: &LoginArgs) -> Given {
    Given {
        api_key: args.api_key.clone(),
        kid: args.kid.clone(),
        private_key: args.private_key.clone(),
        token_url: args.token_url.clone(),
        mock_auth: args.mock_auth,
        nominated_person: args.nominated_person.clone(),
        nominated_role: args.nominated_role.clone(),
        nominated_role_code: args.nominated_role_code.clone(),
        cis2_issuer: args.cis2_issuer.clone(),
        cis2_client_id: args.cis2_client_id.clone(),
        redirect_port: args.redirect_port,
    }
}

/// A credential is about to be printed on standard output: refused when that is a terminal
/// (where it can be seen, scrolled back to and recorded) unless `yes`.
fn refuse_on_terminal(what: &str, command: &str, var: &str, yes: bool) -> Result<()> {
    if !yes && crate::ui::stdout_is_terminal() {
        return Err(Error::usage(format!(
            "not printing {what} to a terminal, where it can be seen, scrolled back to and recorded"
        ))
        .with_hint(format!(
            "capture it instead: export {var}=\"$(cpis auth {command})\"; or add --yes to print it here"
        )));
    }
    Ok(())
}

/// `auth token`: the access token the next request would send, on standard output.
async fn print_token(ctx: &crate::app::Ctx, yes: bool) -> Result<()> {
    refuse_on_terminal("the access token", "token", "CPIS_ACCESS_TOKEN", yes)?;
    let current = signin::credential::current_token(ctx).await?;
    crate::ui::print_stdout(&format!("{}\n", current.token.expose()))?;
    let until = current
        .expires
        .map(|t| format!(", expires {t}"))
        .unwrap_or_default();
    ctx.note(&format!(
        "printed the access token of {} for {}{until}",
        current.who,
        endpoint_text(ctx)
    ));
    Ok(())
}

/// `auth assertion`: a freshly signed client assertion for the stored system identity.
fn print_assertion(ctx: &crate::app::Ctx, yes: bool) -> Result<()> {
    refuse_on_terminal(
        "a client assertion",
        "assertion",
        "CPIS_CLIENT_ASSERTION",
        yes,
    )?;
    let signed = signin::credential::assertion(ctx)?;
    crate::ui::print_stdout(&format!("{}\n", signed.assertion.expose()))?;
    ctx.note(&format!(
        "printed a client assertion for {} (API key {}, kid {}), valid for {} s and once",
        signed.token_url,
        signed.api_key_fingerprint,
        signed.kid,
        auth::system::ASSERTION_LIFETIME_SECS
    ));
    Ok(())
}

/// The largest token accepted on standard input.
const MAX_TOKEN_BYTES: u64 = 64 * 1024;

fn read_token_from_stdin() -> Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        if !crate::ui::stderr_is_terminal() {
            return Err(
                Error::usage("no token on standard input, and no terminal to ask on")
                    .with_hint("cpis auth login --with-token < token.txt"),
            );
        }
        return crate::ui::prompt::hidden("Paste the access token (input is hidden)")
            .map_err(|e| Error::usage(format!("cannot read the token: {e}")));
    }
    let mut buf = String::new();
    stdin
        .lock()
        .take(MAX_TOKEN_BYTES + 1)
        .read_to_string(&mut buf)
        .map_err(|_| Error::usage("standard input is not UTF-8 text"))?;
    if buf.len() as u64 > MAX_TOKEN_BYTES {
        return Err(Error::usage(format!(
            "standard input is longer than {MAX_TOKEN_BYTES} bytes: not an access token"
        )));
    }
    Ok(buf)
}

/// The terminal a user's sign-in runs at: where its secrets are read and its sign-in address
/// shown.
struct Terminal<'a> {
    ctx: &'a crate::app::Ctx,
    args: &'a LoginArgs,
}

impl Person for Terminal<'_> {
    fn secret(&self, wanted: Wanted, sandbox_default: Option<&'static str>) -> Result<Secret> {
        let (stdin_first_line, var, what) = match wanted {
            Wanted::Cis2ClientSecret => (
                self.args.cis2_client_secret_stdin,
                "CPIS_CIS2_CLIENT_SECRET",
                "CIS2 client secret",
            ),
            Wanted::PlatformClientSecret { to_refresh: true } => (
                false,
                "CPIS_CLIENT_SECRET",
                "platform client secret (for refreshing tokens)",
            ),
            Wanted::PlatformClientSecret { to_refresh: false } => {
                (false, "CPIS_CLIENT_SECRET", "platform client secret")
            }
        };
        secret_from(stdin_first_line, var, sandbox_default, what)
    }

    fn show_sign_in(&self, url: &url::Url) {
        if self.args.no_browser || !auth::cis2::open_browser(url.as_str()) {
            crate::ui::message(&format_args!("Open this address in a browser on this machine and sign in with your smartcard:\n{url}"));
        } else {
            self.ctx.note(
                "your browser has opened the NHS CIS2 sign-in; waiting for you to finish there",
            );
        }
    }
}

/// A secret from standard input (first line), an environment variable, the embedded
/// sandbox's synthetic default, or a hidden prompt on a terminal; never a flag value.
fn secret_from(
    stdin_first_line: bool,
    var: &'static str,
    sandbox_default: Option<&str>,
    what: &str,
) -> Result<Secret> {
    if stdin_first_line {
        let mut line = String::new();
        std::io::stdin()
            .read_line(&mut line)
            .map_err(|_| Error::usage(format!("cannot read the {what} from standard input")))?;
        return auth::check_token(&line, &format!("the {what} on standard input"));
    }
    if let Some(v) = std::env::var_os(var) {
        let v = v
            .into_string()
            .map_err(|_| Error::usage(format!("{var} is set but is not valid UTF-8 text")))?;
        return auth::check_token(&v, var);
    }
    if let Some(d) = sandbox_default {
        return Ok(Secret::new(d));
    }
    if crate::ui::prompt::can_ask() {
        let v = crate::ui::prompt::hidden(&format!("The {what} (input is hidden)"))
            .map_err(|e| Error::usage(format!("cannot read the {what}: {e}")))?;
        return auth::check_token(&v, &format!("the {what}"));
    }
    Err(Error::usage(format!(
        "no {what}: set {var}, or run on a terminal to be asked"
    )))
}

fn status(ctx: &crate::app::Ctx, as_json: bool) -> Result<()> {
    let (status, session) = crate::app::auth::status_of(ctx)?;
    let text = if as_json {
        render::auth::json(&status)
    } else {
        render::auth::text(&status)
    };
    crate::ui::print_stdout(&text)?;
    if !status.usable {
        return Err(Error::new(
            Kind::NotAuthenticated,
            status.problem.unwrap_or_else(|| "not signed in".into()),
        )
        .with_hint(status.fix.unwrap_or_default()));
    }
    if session
        .as_ref()
        .is_some_and(|ss| ss.store == crate::credentials::Backend::File)
    {
        crate::ui::warning("this credential is kept in a file (opt-in), not the OS keyring");
    }
    Ok(())
}

/// The command line of `cpis auth`, beside the command (the root command line in `cli`
/// re-exports it).
pub mod args {
    use std::path::PathBuf;

    use clap::{Args, Subcommand};

    use crate::commands::formats::*;

    #[derive(Debug, Subcommand)]
    pub enum AuthCommand {
        /// Sign in for this profile and environment
        #[command(after_long_help = LOGIN_HELP)]
        Login(LoginArgs),

        /// Show who cpis acts as here, where the credential is kept and when it expires
        #[command(after_long_help = STATUS_HELP)]
        Status {
            /// Shorthand for --format json
            #[arg(long, conflicts_with = "format")]
            json: bool,

            /// Output format
            #[arg(long, value_enum, default_value_t = ListFormat::Table)]
            format: ListFormat,
        },

        /// Remove everything stored for this profile and environment
        Logout,

        /// Make a 4096-bit RSA key pair for a system identity: the private key and the public
        /// JWKS to register with the NHS API platform
        #[command(after_long_help = KEYGEN_HELP)]
        Keygen(KeygenArgs),

        /// Print the access token in use (renewed first when it is about to expire) on standard
        /// output, for scripts and for running `--curl` output
        #[command(after_long_help = TOKEN_HELP)]
        Token {
            /// Print it even though standard output is a terminal, where it can be seen, scrolled
            /// back to and recorded
            #[arg(long)]
            yes: bool,
        },

        /// Print a freshly signed client assertion (a JWT) for the stored system identity, for
        /// reproducing its token request (`cpis doctor --curl`)
        #[command(after_long_help = ASSERTION_HELP)]
        Assertion {
            /// Print it even though standard output is a terminal
            #[arg(long)]
            yes: bool,
        },
    }

    pub(crate) const TOKEN_HELP: &str = include_str!("../help/token_help.txt");

    pub(crate) const ASSERTION_HELP: &str = include_str!("../help/assertion_help.txt");

    pub(crate) const KEYGEN_HELP: &str = include_str!("../help/keygen_help.txt");

    pub(crate) const LOGIN_HELP: &str = include_str!("../help/login_help.txt");

    pub(crate) const STATUS_HELP: &str = include_str!("../help/status_help.txt");

    #[derive(Debug, Clone, Args)]
    #[command(group(clap::ArgGroup::new("mode").required(true).args(["with_token", "system", "user", "combined"])))]
    #[command(group(clap::ArgGroup::new("app").args(["system", "user", "combined"])))]
    pub struct LoginArgs {
        /// Read a ready-made access token from standard input (prompted for on a terminal)
        #[arg(long)]
        pub with_token: bool,

        /// Sign in as a registered system (signed-JWT client credentials), acting for a
        /// nominated person; with --env local, the embedded sandbox's built-in application
        #[arg(long)]
        pub system: bool,

        /// Sign in as an NHS smartcard user through NHS CIS2 in the browser; with --env local,
        /// the embedded sandbox's mock CIS2 and a synthetic user
        #[arg(long)]
        pub user: bool,

        /// Sign in as an NHS smartcard user through the API platform's own sign-in page (CIS2
        /// "combined authentication"), where the application has no CIS2 registration of its own
        #[arg(long)]
        pub combined: bool,

        /// CIS2's issuer [default: the environment's CIS2 (INT or live)]
        #[arg(long, value_name = "URL", requires = "user")]
        pub cis2_issuer: Option<String>,

        /// This application's CIS2 client id
        #[arg(long, value_name = "ID", requires = "user")]
        pub cis2_client_id: Option<String>,

        /// Read the CIS2 client secret from the first line of standard input (else
        /// CPIS_CIS2_CLIENT_SECRET, else a prompt on a terminal)
        #[arg(long, requires = "user")]
        pub cis2_client_secret_stdin: bool,

        /// The loopback port of the registered redirect URI, http://127.0.0.1:PORT/callback
        /// [default: any free port]
        #[arg(long, value_name = "PORT", requires = "app")]
        pub redirect_port: Option<u16>,

        /// Print the sign-in URL on stderr instead of opening a browser, and wait for the redirect
        #[arg(long, requires = "app")]
        pub no_browser: bool,

        /// The application's API key on the NHS API platform
        #[arg(long, value_name = "KEY", requires = "app")]
        pub api_key: Option<String>,

        /// The key id registered with the platform for the signing key
        #[arg(long, value_name = "KID", requires = "app")]
        pub kid: Option<String>,

        /// The RSA private key (PEM, PKCS#1 or PKCS#8) that signs client assertions; it is
        /// copied into the credential store
        #[arg(long, value_name = "PATH", requires = "app")]
        pub private_key: Option<PathBuf>,

        /// The person responsible for CP-IS queries made by this system (shown on every output)
        #[arg(long, value_name = "NAME", requires = "system")]
        pub nominated_person: Option<String>,

        /// The nominated person's job role
        #[arg(long, value_name = "ROLE", requires = "system")]
        pub nominated_role: Option<String>,

        /// The nominated person's job role code (e.g. R8000), which the HL7 V3 route (--route v3)
        /// sends beside the role's name [default: the profile's nominated_role_code]
        #[arg(long, value_name = "CODE", requires = "system")]
        pub nominated_role_code: Option<String>,

        /// The platform's token endpoint [default: {environment host}/oauth2/token]
        #[arg(long, value_name = "URL", requires = "app")]
        pub token_url: Option<String>,

        /// Use the platform's mock authorisation ({host}/oauth2-mock/token), for testing
        #[arg(long, requires = "app", conflicts_with = "token_url")]
        pub mock_auth: bool,
    }

    #[derive(Debug, Clone, Args)]
    pub struct KeygenArgs {
        /// The key id to register the public key under (also names the files)
        #[arg(long, value_name = "KID")]
        pub kid: String,

        /// The directory to write KID.pem (private, 0600) and KID.jwks.json into
        #[arg(long, value_name = "DIR", default_value = ".")]
        pub out: PathBuf,
    }
}
