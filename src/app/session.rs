//! What every workflow gets: the resolved settings (`Ctx`), and the connection to the
//! environment they name (`Connection`), with the clients of each API on it.

use std::sync::Arc;

use crate::api::platform;
use crate::config::Settings;
use crate::error::{Error, Result};
use crate::net::http::{build_client, HttpOptions};

/// What every command gets: the resolved settings.
pub struct Ctx {
    pub settings: Settings,
}

impl Ctx {
    /// Print a note on stderr unless `--quiet`.
    pub fn note(&self, msg: &str) {
        if !self.settings.quiet {
            crate::ui::note(msg);
        }
    }

    /// Print a warning on stderr, even with `--quiet`.
    pub fn warning(&self, msg: &str) {
        crate::ui::warning(msg);
    }

    pub fn notifier(&self) -> platform::Notify {
        let quiet = self.settings.quiet;
        Arc::new(move |msg: &str| {
            if !quiet {
                crate::ui::note(msg);
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
    fn ca_sources(&self) -> Vec<crate::net::tls::CaSource> {
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
        let post = crate::net::http::build_post_client(&opts)?;
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
    ) -> Result<(platform::Client, Connection, crate::auth::TokenSource)> {
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
            None => Ok(crate::api::pds::base_beside(&conn.base)),
        }
    }

    /// A PDS client on `conn` sending `token` (the same credentials as CP-IS).
    pub fn pds_client(
        &self,
        conn: &Connection,
        token: &crate::auth::TokenSource,
    ) -> Result<crate::api::pds::Client> {
        let base = self.pds_base(conn)?;
        let api = self.api_client(conn, token, base.as_str())?;
        Ok(crate::api::pds::Client::new(api, base))
    }

    /// The Patient Flags base URL: the configured one, else beside CP-IS on the same origin.
    pub fn flags_base(&self, conn: &Connection) -> Result<url::Url> {
        match &self.settings.flags_base_url {
            Some(s) => url::Url::parse(&s.value)
                .map_err(|e| Error::usage(format!("Patient Flags base URL {:?}: {e}", s.value))),
            None => Ok(crate::api::flags::base_beside(&conn.base)),
        }
    }

    /// A Patient Flags client on `conn` sending `token` (the same credentials as CP-IS).
    pub fn flags_client(
        &self,
        conn: &Connection,
        token: &crate::auth::TokenSource,
    ) -> Result<crate::api::flags::Client> {
        let base = self.flags_base(conn)?;
        let api = self.api_client(conn, token, base.as_str())?;
        Ok(crate::api::flags::Client::new(
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
        pacer: Arc<platform::Pacer>,
        notify: platform::Notify,
    ) -> Result<crate::api::flags::Client> {
        let base = self.flags_base(conn)?;
        let api = self
            .api_client(conn, token, base.as_str())?
            .pacer(pacer)
            .notifier(notify);
        Ok(crate::api::flags::Client::new(
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
        pacer: Arc<platform::Pacer>,
        notify: platform::Notify,
    ) -> Result<crate::api::pds::Client> {
        let base = self.pds_base(conn)?;
        let api = self
            .api_client(conn, token, base.as_str())?
            .pacer(pacer)
            .notifier(notify);
        Ok(crate::api::pds::Client::new(api, base))
    }

    /// A CP-IS client on `conn` sending `token`.
    pub fn client_with(
        &self,
        conn: &Connection,
        token: &crate::auth::TokenSource,
    ) -> Result<platform::Client> {
        self.api_client(conn, token, conn.base.as_str())
    }

    /// A client for an API of the platform at `base`, sending `token`.
    fn api_client(
        &self,
        conn: &Connection,
        token: &crate::auth::TokenSource,
        base: &str,
    ) -> Result<platform::Client> {
        platform::Client::new(
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

impl Connection {
    /// Another handle on the same clients, for tasks that outlive a borrow; the embedded
    /// sandbox stays with the first handle, which must outlive this one.
    pub fn second_handle(&self) -> Connection {
        Connection {
            base: self.base.clone(),
            http: self.http.clone(),
            post: self.post.clone(),
            use_proxy: self.use_proxy,
            _sandbox: None,
        }
    }
}
