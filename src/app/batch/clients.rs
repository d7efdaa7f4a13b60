//! The clients a batch's requests go through, under the one renewal policy
//! ([`crate::app::renewal::Policy`]): when the API platform refuses the access token (HTTP
//! 401, so CP-IS never saw the request) and a new one can be had without the user, the token
//! is renewed once for every request refused with it, the clients are made again for it, and
//! only the refused request is sent again, once. A run outlasts its tokens, so it renews each
//! time one wears out ([`Limit::EachToken`]).

use std::sync::Arc;

use crate::api::cpis::Search;
use crate::api::platform::Mark;
use crate::api::platform::Notify;
use crate::api::platform::Pacer;
use crate::app::renewal::{Limit, Policy};
use crate::app::{Connection, Ctx};
use crate::config::care::CareSetting;
use crate::config::route::Route;
use crate::error::Result;
use crate::nhs_number::NhsNumber;

/// The clients for one token.
pub(super) struct Set {
    client: crate::api::platform::Client,
    /// The Patient Flags client (the CP-IS pacer), on `--route flags`.
    flags: Option<crate::api::flags::Client>,
    /// The MHS adaptor client and the query's author, on `--route v3`.
    v3: Option<(crate::api::v3::Client, crate::api::v3::request::Author)>,
    /// The PDS client (its own pacer), unless `--no-pds`.
    pds: Option<crate::api::pds::Client>,
}

/// What the clients are made with, for each new token.
struct Maker {
    ctx: Ctx,
    conn: Connection,
    pacer: Arc<Pacer>,
    pds_pacer: Option<Arc<Pacer>>,
    notify: Notify,
}

impl Maker {
    /// The clients for `token`: CP-IS, and PDS unless there is no PDS pacer.
    fn clients(&self, token: &crate::auth::TokenSource) -> Result<Set> {
        let (ctx, conn, notify) = (&self.ctx, &self.conn, &self.notify);
        let client = ctx
            .client_with(conn, token)?
            .pacer(self.pacer.clone())
            .notifier(notify.clone());
        let pds = self
            .pds_pacer
            .as_ref()
            .map(|p| ctx.pds_client_paced(conn, token, p.clone(), notify.clone()))
            .transpose()?;
        let flags = (ctx.settings.route.value == Route::Flags)
            .then(|| ctx.flags_client_paced(conn, token, self.pacer.clone(), notify.clone()))
            .transpose()?;
        let v3 = if ctx.settings.route.value == Route::V3 {
            let (ready, author) =
                crate::app::v3route::preflight(ctx, conn, token, CareSetting::Unscheduled)?;
            let c = crate::app::v3route::client(ctx, conn, ready).pacer(self.pacer.clone());
            Some((c, author))
        } else {
            None
        };
        Ok(Set {
            client,
            flags,
            v3,
            pds,
        })
    }

    /// The clients for a new token (after a 401).
    async fn renewed(&self) -> Result<Set> {
        (self.notify)("the service refused the access token (HTTP 401): getting a new one");
        let token = self.ctx.renewed_token(&self.conn).await?;
        self.clients(&token)
    }
}

/// The clients of a run, shared by its tasks.
pub(super) struct Clients {
    maker: Maker,
    policy: Policy<Set>,
}

impl Clients {
    /// The clients for `token`; `pds_pacer` is `None` with PDS off. `conn` is a second handle
    /// on the run's connection (which outlives the run).
    pub(super) fn new(
        ctx: &Ctx,
        conn: Connection,
        token: &crate::auth::TokenSource,
        pacer: Arc<Pacer>,
        pds_pacer: Option<Arc<Pacer>>,
        notify: Notify,
    ) -> Result<Clients> {
        let maker = Maker {
            ctx: Ctx {
                settings: ctx.settings.clone(),
            },
            conn,
            pacer,
            pds_pacer,
            notify,
        };
        let first = maker.clients(token)?;
        Ok(Clients {
            policy: Policy::new(first, token.renewable(), Limit::EachToken),
            maker,
        })
    }

    /// Run `request` with the newest clients, under the renewal policy.
    async fn send<T, F, Fut>(&self, request: F) -> Result<T>
    where
        F: Fn(Arc<Set>) -> Fut,
        Fut: std::future::Future<Output = Result<T>>,
    {
        self.policy
            .send(|| self.maker.renewed(), || {}, request)
            .await
    }

    /// Who `nhs` belongs to on PDS (`None` with `--no-pds`).
    pub(super) async fn patient(
        &self,
        nhs: &NhsNumber,
    ) -> Result<Option<crate::api::pds::Outcome>> {
        if self.policy.current().await.pds.is_none() {
            return Ok(None);
        }
        self.send(|c| async move {
            let pds = c.pds.as_ref().expect("PDS is on");
            pds.patient(nhs).await
        })
        .await
        .map(Some)
    }

    /// One CP-IS search; `mark` runs before it is written to the network.
    pub(super) async fn search(
        &self,
        search: Search,
        nhs: &NhsNumber,
        care: CareSetting,
        mark: &Mark,
    ) -> Result<crate::api::cpis::SearchResult> {
        self.send(|c| async move { c.client.search_marked(search, nhs, care, Some(mark)).await })
            .await
    }

    /// One HL7 V3 query through the MHS adaptor (no platform token is sent there, so no
    /// renewal): never resent once it may have reached Spine.
    pub(super) async fn v3(
        &self,
        nhs: &NhsNumber,
        today: i64,
        mark: &Mark,
    ) -> Result<crate::api::v3::Found> {
        let c = self.policy.current().await;
        let (client, author) = c.v3.as_ref().expect("--route v3");
        let q = crate::api::v3::query(client.ready(), author.clone(), nhs);
        client.send(&q, nhs, today, Some(mark)).await
    }

    /// The CP-IS flag on the Patient Flags API, under the renewal policy.
    pub(super) async fn flags(
        &self,
        nhs: &NhsNumber,
        today: i64,
        mark: &Mark,
    ) -> Result<crate::api::flags::Found> {
        self.send(|c| async move {
            let flags = c.flags.as_ref().expect("--route flags");
            flags.search(nhs, today, Some(mark)).await
        })
        .await
    }
}
