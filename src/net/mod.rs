//! The network layer: the reqwest client and size limits (`http`), name resolution (`dns`),
//! the redirect rule (`redirect`), proxies from the environment (`proxy`), transport errors
//! turned into advice (`diagnose`), TLS trust (`tls`), and the certificate summaries both
//! show (`x509`). `http` re-exports what the others hold at its old paths.

pub(crate) mod diagnose;
pub(crate) mod dns;
pub(crate) mod http;
pub(crate) mod proxy;
pub(crate) mod redirect;
pub mod tls;
pub(crate) mod x509;
