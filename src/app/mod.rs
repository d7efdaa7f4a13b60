//! The workflows below the commands: typed values in and out, never printing. A [`Ctx`] and
//! its [`Connection`], one renewal policy ([`renewal`]), one verification pipeline
//! ([`verify`]), what the user gives ([`input`]), what CP-IS holds by whichever route
//! ([`record`]: the `CareRecordSource` seam), and the workflows on them: [`lookup`],
//! [`alert`], [`batch`], [`doctor`] (one check per file), what `auth status` knows
//! ([`auth`]) and signing in ([`signin`]).

pub mod alert;
pub mod auth;
pub mod batch;
pub mod doctor;
pub mod input;
pub mod lookup;
pub mod record;
pub mod renewal;
pub mod session;
pub mod signals;
pub mod signin;
pub mod v3route;
pub mod verify;

pub use session::{Connection, Ctx};
