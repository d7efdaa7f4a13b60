//! The one renewal policy: a request the API platform refuses with HTTP 401 (the platform
//! answers before CP-IS sees the request, so nothing was recorded or notified) gets a new
//! access token, renewed once for every request refused with the same one (however many
//! were in flight), and is resent with it. Only the refused request is resent, never one
//! that was answered. A refusal of the resend is the answer ([`Limit::Once`]: `lookup`,
//! `alert`, which renew once), or, where tokens wear out in the course of a run
//! ([`Limit::EachToken`]: `batch`), a refusal of a newer token, resent in its turn, at most
//! five times. A renewal that fails is not tried again for the same token: every request
//! refused with it gets that failure.
//!
//! [`Policy`] holds the policy over whatever is made from one token (the token itself for
//! `lookup` and `alert`, the paced clients for `batch`); [`Renewal`] is it for one command on
//! one connection.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::Mutex;

use crate::auth::TokenSource;
use crate::error::{Error, Result};

/// How many times a command may renew its token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Limit {
    /// Once (`lookup`, `alert`: a few requests, sent within seconds of one another).
    Once,
    /// Each time a token wears out (`batch`: a run outlasts its tokens).
    EachToken,
}

impl Limit {
    /// How many times one request may be resent after a 401: once, or (where tokens wear
    /// out while requests wait their turn) once for each newer token, at most five times.
    pub fn resends(self) -> u32 {
        match self {
            Limit::Once => 1,
            Limit::EachToken => 5,
        }
    }
}

struct Current<T> {
    value: Arc<T>,
    /// Bumped by each renewal.
    generation: u32,
    /// The renewal of this generation's token failed, with this error.
    failed: Option<Error>,
}

/// The renewal policy over `T`, what is made from one token; shared by every request of a
/// command (and so by concurrent tasks, behind an `Arc`).
pub struct Policy<T> {
    current: Mutex<Current<T>>,
    /// A new token can be had without the user.
    renewable: bool,
    limit: Limit,
}

impl<T> Policy<T> {
    pub fn new(value: T, renewable: bool, limit: Limit) -> Self {
        Policy {
            current: Mutex::new(Current {
                value: Arc::new(value),
                generation: 0,
                failed: None,
            }),
            renewable,
            limit,
        }
    }

    /// What the newest token made.
    pub async fn current(&self) -> Arc<T> {
        self.current.lock().await.value.clone()
    }

    async fn snapshot(&self) -> (Arc<T>, u32) {
        let c = self.current.lock().await;
        (c.value.clone(), c.generation)
    }

    /// What a new token makes, in place of generation `generation`'s: renewed once for every
    /// request refused with it; `None` when the command may renew no more.
    async fn renewed<R, RFut>(&self, generation: u32, renew: &R) -> Result<Option<(Arc<T>, u32)>>
    where
        R: Fn() -> RFut,
        RFut: Future<Output = Result<T>>,
    {
        let mut c = self.current.lock().await;
        if c.generation > generation {
            return Ok(Some((c.value.clone(), c.generation)));
        }
        if self.limit == Limit::Once && c.generation > 0 {
            return Ok(None);
        }
        if let Some(e) = &c.failed {
            return Err(e.clone());
        }
        match renew().await {
            Ok(fresh) => {
                c.value = Arc::new(fresh);
                c.generation += 1;
                Ok(Some((c.value.clone(), c.generation)))
            }
            Err(e) => {
                c.failed = Some(e.clone());
                Err(e)
            }
        }
    }

    /// Run `request` with what the newest token made; after a 401, where a new token can be
    /// had without the user, once more with what a newer token makes (`renew` makes it, called
    /// only by the first request refused with its token); `resent` runs before each resend.
    /// With [`Limit::EachToken`] a resend refused in its turn (its token wore out before it
    /// went) is resent again with a newer one, up to [`Limit::resends`] times in all.
    pub async fn send<U, F, Fut, R, RFut>(
        &self,
        renew: R,
        resent: impl Fn(),
        request: F,
    ) -> Result<U>
    where
        F: Fn(Arc<T>) -> Fut,
        Fut: Future<Output = Result<U>>,
        R: Fn() -> RFut,
        RFut: Future<Output = Result<T>>,
    {
        let (mut value, mut generation) = self.snapshot().await;
        let mut resends = 0;
        loop {
            match request(value).await {
                Err(e)
                    if e.trace.http_status == Some(401)
                        && self.renewable
                        && resends < self.limit.resends() =>
                {
                    let Some((fresh, g)) = self.renewed(generation, &renew).await? else {
                        return Err(e);
                    };
                    resends += 1;
                    resent();
                    (value, generation) = (fresh, g);
                }
                r => return r,
            }
        }
    }
}

/// The renewal policy of one command on one connection, over its token.
pub struct Renewal<'a> {
    ctx: &'a super::Ctx,
    conn: &'a super::Connection,
    policy: Policy<TokenSource>,
}

impl<'a> Renewal<'a> {
    pub fn new(ctx: &'a super::Ctx, conn: &'a super::Connection, token: TokenSource) -> Self {
        let renewable = token.renewable();
        Renewal {
            ctx,
            conn,
            policy: Policy::new(token, renewable, Limit::Once),
        }
    }

    /// The connection the renewed requests go out on.
    pub fn conn(&self) -> &'a super::Connection {
        self.conn
    }

    pub async fn token(&self) -> Arc<TokenSource> {
        self.policy.current().await
    }

    /// Run `request` with the current token; after a 401, where a new token can be had
    /// without the user, once more with a new one. `what` names the service in the note.
    pub async fn send<T, F, Fut>(&self, what: &str, request: F) -> Result<T>
    where
        F: Fn(Arc<TokenSource>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let (ctx, conn) = (self.ctx, self.conn);
        self.policy
            .send(
                || ctx.renewed_token(conn),
                || {
                    ctx.note(&format!(
                        "{what} refused the access token (HTTP 401): sending that request once more with a new one"
                    ))
                },
                request,
            )
            .await
    }

    /// One CP-IS search under this policy.
    pub async fn search(
        &self,
        search: crate::api::cpis::Search,
        nhs: &crate::nhs_number::NhsNumber,
        care: crate::config::care::CareSetting,
    ) -> Result<crate::api::cpis::SearchResult> {
        let (ctx, conn) = (self.ctx, self.conn);
        self.send("CP-IS", |token| async move {
            ctx.client_with(conn, &token)?
                .search(search, nhs, care)
                .await
        })
        .await
    }

    /// The PDS retrieval under this policy.
    pub async fn patient(
        &self,
        nhs: &crate::nhs_number::NhsNumber,
    ) -> Result<crate::api::pds::Outcome> {
        let (ctx, conn) = (self.ctx, self.conn);
        self.send("PDS", |token| async move {
            ctx.pds_client(conn, &token)?.patient(nhs).await
        })
        .await
    }

    /// The CP-IS flag on the Patient Flags API (a silent read) under this policy.
    pub async fn flags(
        &self,
        nhs: &crate::nhs_number::NhsNumber,
        today: i64,
    ) -> Result<crate::api::flags::Found> {
        let (ctx, conn) = (self.ctx, self.conn);
        self.send("the Patient Flags API", |token| async move {
            ctx.flags_client(conn, &token)?
                .search(nhs, today, None)
                .await
        })
        .await
    }
}
