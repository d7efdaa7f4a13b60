//! One module per subcommand. `run` builds the context, dispatches, and maps errors to exit
//! codes.

pub mod alert;
pub mod auth;
pub mod batch;
pub mod config;
pub mod docs;
pub mod doctor;
pub mod lookup;
pub mod renewal;
pub mod sandbox;
pub mod v3route;

use std::sync::Arc;

use crate::cli::{Cli, Command, SandboxCommand};
use crate::config::Settings;
use crate::cpis;
use crate::error::{Error, Kind, Result};
use crate::http::{build_client, HttpOptions};

/// What every command gets: the resolved settings.
pub struct Ctx {
    pub settings: Settings,
}

impl Ctx {
    /// Print a note on stderr unless `--quiet`.
    pub fn note(&self, msg: &str) {
        if !self.settings.quiet {
            eprintln!("note: {msg}");
        }
    }

    pub fn notifier(&self) -> cpis::Notify {
        let quiet = self.settings.quiet;
        Arc::new(move |msg: &str| {
            if !quiet {
                eprintln!("note: {msg}");
            }
        })
    }

    /// The key of this profile's credential for this endpoint.
    pub fn credential_key(&self) -> String {
        crate::auth::credential_key(&self.settings.profile.value, &self.settings.endpoint)
    }

    pub fn sessions(&self) -> Result<crate::auth::Sessions> {
        // Read only from a data directory that is ours alone (when there is one yet), as
        // everything written there is.
        if let Some(dir) = self.settings.data_dir.as_deref() {
            crate::private::check_private_dir_if_exists(dir)?;
        }
        crate::auth::Sessions::load(self.settings.data_dir.as_deref())
    }

    /// Open a credential store (the chosen one, or the one a sign-in was kept in).
    pub fn store(
        &self,
        backend: crate::credentials::Backend,
    ) -> Result<Box<dyn crate::credentials::Store>> {
        crate::credentials::open(
            backend,
            self.settings.data_dir.clone(),
            self.settings.keyring_double.clone(),
            crate::credentials::Waits {
                answer: self.settings.keyring_timeout,
                unlock: self.settings.keyring_unlock_wait,
                quiet: self.settings.quiet,
            },
        )
    }

    /// Extra CA certificates, each with where it came from.
    fn ca_sources(&self) -> Vec<crate::tls::CaSource> {
        self.settings.ca_sources.clone()
    }

    /// Where this command's requests go, and the HTTP client to send them with. For `local`
    /// this starts the embedded sandbox, which lives as long as the returned value.
    pub async fn connect(&self) -> Result<Connection> {
        let endpoint = &self.settings.endpoint;
        let (base_url, guard, use_proxy) = match &endpoint.base_url {
            None => {
                let running = crate::sandbox::start(
                    ([127, 0, 0, 1], 0).into(),
                    crate::sandbox::Options {
                        delay: self.settings.sandbox_delay,
                        ..Default::default()
                    },
                )
                .await?;
                (running.base_url.clone(), Some(running), false)
            }
            Some(base_url) => (base_url.clone(), None, true),
        };
        if self.settings.verbose {
            self.note(&format!(
                "environment {} ({}): {base_url}",
                endpoint.label(),
                endpoint.source
            ));
        }
        let opts = HttpOptions {
            timeout: self.settings.timeout.value,
            ca_sources: self.ca_sources(),
            use_proxy,
        };
        let http = build_client(&opts)?;
        let post = crate::http::build_post_client(&opts)?;
        let base = url::Url::parse(&base_url)
            .map_err(|e| Error::usage(format!("base URL {base_url:?}: {e}")))?;
        Ok(Connection {
            base,
            http,
            post,
            use_proxy,
            _sandbox: guard,
        })
    }

    /// The token to send, or exit 4 before anything is sent when an endpoint other than the
    /// embedded sandbox has no credential. A system identity gets a fresh token when needed.
    pub async fn token_source(&self, conn: &Connection) -> Result<crate::auth::TokenSource> {
        self.token(conn, false).await
    }

    /// After the service refused the access token (HTTP 401): a new one, once, where one can
    /// be had without the user.
    pub async fn renewed_token(&self, conn: &Connection) -> Result<crate::auth::TokenSource> {
        self.token(conn, true).await
    }

    async fn token(&self, conn: &Connection, renew: bool) -> Result<crate::auth::TokenSource> {
        let mut sessions = self.sessions()?;
        crate::auth::token_for(
            self.settings.token.as_ref(),
            &mut sessions,
            &self.credential_key(),
            |backend| self.store(backend),
            &crate::auth::Target {
                endpoint: &self.settings.endpoint,
                renew,
                base_url: &conn.base,
                http: &conn.http,
                post: &conn.post,
            },
        )
        .await
    }

    /// A CP-IS client for the configured endpoint, and the credential it uses.
    pub async fn cpis_client(
        &self,
    ) -> Result<(cpis::Client, Connection, crate::auth::TokenSource)> {
        let conn = self.connect().await?;
        let token = self.token_source(&conn).await?;
        let client = self.client_with(&conn, &token)?;
        Ok((client, conn, token))
    }

    /// The PDS base URL: the configured one, else beside CP-IS on the same origin.
    pub fn pds_base(&self, conn: &Connection) -> Result<url::Url> {
        match &self.settings.pds_base_url {
            Some(s) => url::Url::parse(&s.value)
                .map_err(|e| Error::usage(format!("PDS base URL {:?}: {e}", s.value))),
            None => Ok(crate::pds::base_beside(&conn.base)),
        }
    }

    /// A PDS client on `conn` sending `token` (the same credentials as CP-IS).
    pub fn pds_client(
        &self,
        conn: &Connection,
        token: &crate::auth::TokenSource,
    ) -> Result<crate::pds::Client> {
        let base = self.pds_base(conn)?;
        let api = self.api_client(conn, token, base.as_str())?;
        Ok(crate::pds::Client::new(api, base))
    }

    /// The Patient Flags base URL: the configured one, else beside CP-IS on the same origin.
    pub fn flags_base(&self, conn: &Connection) -> Result<url::Url> {
        match &self.settings.flags_base_url {
            Some(s) => url::Url::parse(&s.value)
                .map_err(|e| Error::usage(format!("Patient Flags base URL {:?}: {e}", s.value))),
            None => Ok(crate::flags::base_beside(&conn.base)),
        }
    }

    /// A Patient Flags client on `conn` sending `token` (the same credentials as CP-IS).
    pub fn flags_client(
        &self,
        conn: &Connection,
        token: &crate::auth::TokenSource,
    ) -> Result<crate::flags::Client> {
        let base = self.flags_base(conn)?;
        let api = self.api_client(conn, token, base.as_str())?;
        Ok(crate::flags::Client::new(
            api,
            base,
            &self.settings.flags_path.value,
        ))
    }

    /// A Patient Flags client whose requests wait for `pacer` (batch: the CP-IS pacer, as
    /// the route stands in for CP-IS).
    pub fn flags_client_paced(
        &self,
        conn: &Connection,
        token: &crate::auth::TokenSource,
        pacer: Arc<cpis::Pacer>,
        notify: cpis::Notify,
    ) -> Result<crate::flags::Client> {
        let base = self.flags_base(conn)?;
        let api = self
            .api_client(conn, token, base.as_str())?
            .pacer(pacer)
            .notifier(notify);
        Ok(crate::flags::Client::new(
            api,
            base,
            &self.settings.flags_path.value,
        ))
    }

    /// A PDS client whose requests wait for `pacer`, with notes sent to `notify` (batch).
    pub fn pds_client_paced(
        &self,
        conn: &Connection,
        token: &crate::auth::TokenSource,
        pacer: Arc<cpis::Pacer>,
        notify: cpis::Notify,
    ) -> Result<crate::pds::Client> {
        let base = self.pds_base(conn)?;
        let api = self
            .api_client(conn, token, base.as_str())?
            .pacer(pacer)
            .notifier(notify);
        Ok(crate::pds::Client::new(api, base))
    }

    /// A CP-IS client on `conn` sending `token`.
    pub fn client_with(
        &self,
        conn: &Connection,
        token: &crate::auth::TokenSource,
    ) -> Result<cpis::Client> {
        self.api_client(conn, token, conn.base.as_str())
    }

    /// A client for an API of the platform at `base`, sending `token`.
    fn api_client(
        &self,
        conn: &Connection,
        token: &crate::auth::TokenSource,
        base: &str,
    ) -> Result<cpis::Client> {
        cpis::Client::new(
            conn.http.clone(),
            base,
            token.token().cloned(),
            self.settings.timeout.value,
            self.notifier(),
        )?
        .verbose(self.settings.verbose)
        .use_proxy(conn.use_proxy)
        .session_urid(token.user().and_then(|u| u.role_profile_id.as_deref()))
    }
}

/// The base URL in use and an HTTP client for it (and the embedded sandbox, while it lives).
pub struct Connection {
    pub base: url::Url,
    pub http: reqwest::Client,
    /// For POSTs (tokens, alerts): follows no redirect, so that a body is never re-posted
    /// elsewhere and a 3xx is never taken for the answer.
    pub post: reqwest::Client,
    pub use_proxy: bool,
    _sandbox: Option<crate::sandbox::Running>,
}

/// Run the parsed command line; returns the process exit code.
pub fn run(cli: Cli) -> i32 {
    crate::render::guard_standard_streams();
    crate::render::set_command(command_name(&cli.command));
    match run_inner(cli) {
        Ok(()) => 0,
        // Whoever read the output has gone (`| head -1`): not an error.
        Err(_) if crate::render::stdout_gone() => 0,
        Err(e) => {
            eprintln!("{e}");
            e.exit_code()
        }
    }
}

/// The command's name as typed (`lookup`), for errors about its output.
fn command_name(command: &Command) -> &'static str {
    match command {
        Command::Lookup(_) => "lookup",
        Command::Batch(_) => "batch",
        Command::Auth(_) => "auth",
        Command::Doctor { .. } => "doctor",
        Command::Alert(_) => "alert",
        Command::Sandbox(_) => "sandbox",
        Command::Config(_) => "config",
        Command::Completions { .. } => "completions",
        Command::Man { .. } => "man",
    }
}

fn run_inner(cli: Cli) -> Result<()> {
    let env = |k: &str| std::env::var_os(k);
    let is_config = matches!(cli.command, Command::Config(_));
    let settings = crate::config::resolve(&cli.global.overrides(), &env, is_config)?;
    crate::paste::set_globals(crate::paste::globals_of(&settings));
    // Warnings are said even with --quiet: each is about where requests go.
    for w in &settings.warnings {
        eprintln!("warning: {w}");
    }
    let ctx = Ctx { settings };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Error::unexpected(format!("cannot start the async runtime: {e}")))?;
    rt.block_on(async move {
        match cli.command {
            // The server's normal way to stop is a signal, which it handles itself.
            Command::Sandbox(SandboxCommand::Serve(args)) => sandbox::serve(&ctx, args).await,
            // A batch handles Ctrl-C itself: requests in flight finish and are recorded.
            Command::Batch(args) => batch::run(&ctx, args).await,
            // An alert handles Ctrl-C itself while a send is under way (the alert is kept as
            // pending); before that, Ctrl-C ends it as usual, prompt included.
            Command::Alert(c) => alert::run(&ctx, c).await,
            command => {
                // Register for Ctrl-C before any work starts, so an early interrupt is seen.
                let interrupted = interrupt_signal()?;
                // Biased: Ctrl-C at a question is the question's to report ("cancelled").
                tokio::select! {
                    biased;
                    r = dispatch(&ctx, command) => r,
                    _ = interrupted => Err(Error::new(Kind::Interrupted, "interrupted")),
                }
            }
        }
    })
}

/// A future that completes on Ctrl-C (SIGINT). The handler is installed when this returns.
pub(crate) fn interrupt_signal() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    return on_any_signal(&[(tokio::signal::unix::SignalKind::interrupt(), "SIGINT")]);
    #[cfg(not(unix))]
    return Ok(ctrl_c());
}

/// A future that completes when a long-running command is asked to stop: SIGINT (Ctrl-C),
/// SIGTERM or SIGHUP on unix, Ctrl-C elsewhere. On unix the handlers are installed when this
/// returns, so a signal that arrives later is never missed.
pub(crate) fn stop_signal() -> Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::SignalKind;
        on_any_signal(&[
            (SignalKind::interrupt(), "SIGINT"),
            (SignalKind::terminate(), "SIGTERM"),
            (SignalKind::hangup(), "SIGHUP"),
        ])
    }
    #[cfg(not(unix))]
    return Ok(ctrl_c());
}

/// Install a handler for each signal now; the future completes on the first to arrive.
#[cfg(unix)]
fn on_any_signal(
    kinds: &[(tokio::signal::unix::SignalKind, &str)],
) -> Result<impl std::future::Future<Output = ()>> {
    let mut streams = kinds
        .iter()
        .map(|(kind, name)| {
            tokio::signal::unix::signal(*kind)
                .map_err(|e| Error::unexpected(format!("cannot handle {name}: {e}")))
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(std::future::poll_fn(move |cx| {
        if streams.iter_mut().any(|s| s.poll_recv(cx).is_ready()) {
            std::task::Poll::Ready(())
        } else {
            std::task::Poll::Pending
        }
    }))
}

#[cfg(not(unix))]
async fn ctrl_c() {
    let _ = tokio::signal::ctrl_c().await;
}

async fn dispatch(ctx: &Ctx, command: Command) -> Result<()> {
    match command {
        Command::Lookup(args) => lookup::run(ctx, args).await,
        Command::Alert(c) => alert::run(ctx, c).await,
        Command::Batch(args) => batch::run(ctx, args).await,
        Command::Sandbox(SandboxCommand::Patients(args)) => sandbox::patients(args),
        Command::Sandbox(SandboxCommand::Serve(args)) => sandbox::serve(ctx, args).await,
        Command::Config(c) => config::run(ctx, c),
        Command::Auth(c) => auth::run(ctx, c).await,
        Command::Doctor {
            json,
            format,
            query,
            curl,
        } => {
            let json = json || format == crate::cli::ListFormat::Json;
            if curl {
                doctor::curl(ctx).await
            } else {
                doctor::run(ctx, json, query.as_deref()).await
            }
        }
        Command::Completions { shell } => docs::completions(shell),
        Command::Man { dir } => docs::man(ctx, dir.as_deref()),
    }
}
