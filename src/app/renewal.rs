//! The renewal policy of one command: a request the API platform refuses with HTTP 401 (the
//! platform answers before CP-IS sees the request, so nothing was recorded or notified) gets
//! one new access token, shared by every request in flight, and is resent once. Only the
//! refused request is resent; a second refusal, or a 401 after the command has already
//! renewed once, is the answer.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::Mutex;

use crate::auth::TokenSource;
use crate::error::Result;

struct Current {
    token: Arc<TokenSource>,
    /// Bumped by the renewal.
    generation: u32,
}

pub struct Renewal<'a> {
    ctx: &'a super::Ctx,
    conn: &'a super::Connection,
    current: Mutex<Current>,
}

impl<'a> Renewal<'a> {
    pub fn new(ctx: &'a super::Ctx, conn: &'a super::Connection, token: TokenSource) -> Self {
        Renewal {
            ctx,
            conn,
            current: Mutex::new(Current {
                token: Arc::new(token),
                generation: 0,
            }),
        }
    }

    /// The connection the renewed requests go out on.
    pub fn conn(&self) -> &'a super::Connection {
        self.conn
    }

    pub async fn token(&self) -> Arc<TokenSource> {
        self.current.lock().await.token.clone()
    }

    async fn snapshot(&self) -> (Arc<TokenSource>, u32) {
        let c = self.current.lock().await;
        (c.token.clone(), c.generation)
    }

    /// A new token in place of the one of `generation`: renewed once for every request
    /// refused with it; `None` when the command has already renewed (no second renewal).
    async fn renewed(&self, generation: u32) -> Result<Option<Arc<TokenSource>>> {
        let mut c = self.current.lock().await;
        if c.generation > generation {
            return Ok(Some(c.token.clone()));
        }
        if c.generation > 0 {
            return Ok(None);
        }
        let fresh = self.ctx.renewed_token(self.conn).await?;
        c.token = Arc::new(fresh);
        c.generation += 1;
        Ok(Some(c.token.clone()))
    }

    /// Run `request` with the current token; after a 401, where a new token can be had
    /// without the user, once more with a new one. `what` names the service in the note.
    pub async fn send<T, F, Fut>(&self, what: &str, request: F) -> Result<T>
    where
        F: Fn(Arc<TokenSource>) -> Fut,
        Fut: Future<Output = Result<T>>,
    {
        let (token, generation) = self.snapshot().await;
        match request(token.clone()).await {
            Err(e) if e.trace.http_status == Some(401) && token.renewable() => {
                let Some(fresh) = self.renewed(generation).await? else {
                    return Err(e);
                };
                self.ctx.note(&format!(
                    "{what} refused the access token (HTTP 401): sending that request once more with a new one"
                ));
                request(fresh).await
            }
            r => r,
        }
    }

    /// One CP-IS search under this policy.
    pub async fn search(
        &self,
        search: crate::cpis::Search,
        nhs: &crate::nhs_number::NhsNumber,
        care: crate::cpis::CareSetting,
    ) -> Result<crate::cpis::SearchResult> {
        let (ctx, conn) = (self.ctx, self.conn);
        self.send("CP-IS", |token| async move {
            ctx.client_with(conn, &token)?
                .search(search, nhs, care)
                .await
        })
        .await
    }

    /// The PDS retrieval under this policy.
    pub async fn patient(&self, nhs: &crate::nhs_number::NhsNumber) -> Result<crate::pds::Outcome> {
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
    ) -> Result<crate::flags::Found> {
        let (ctx, conn) = (self.ctx, self.conn);
        self.send("the Patient Flags API", |token| async move {
            ctx.flags_client(conn, &token)?
                .search(nhs, today, None)
                .await
        })
        .await
    }
}
