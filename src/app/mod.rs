//! The workflows below the commands: typed values in and out, never printing. A [`Ctx`] and
//! its [`Connection`], one renewal policy ([`renewal`]), one verification pipeline
//! ([`verify`]), what the user gives ([`input`]), what CP-IS holds by whichever route
//! ([`record`]: the `CareRecordSource` seam), and the workflows on them: [`lookup`],
//! [`alert`], [`batch`], [`doctor`] (one check per file), what `auth status` knows
//! ([`auth`]), signing in ([`signin`]) and the embedded sandbox's commands ([`embedded`]).

pub(crate) mod alert;
pub(crate) mod auth;
pub mod batch;
pub(crate) mod doctor;
pub(crate) mod embedded;
pub(crate) mod input;
pub(crate) mod lookup;
pub(crate) mod record;
pub(crate) mod renewal;
pub(crate) mod session;
pub(crate) mod signals;
pub(crate) mod signin;
pub(crate) mod v3route;
pub(crate) mod verify;

pub(crate) use session::{Connection, Ctx};
